package analyzer

// newMatcher returns the signature matcher state for a session, or nil
// when no signatures are in use.
func (m *Manager) newMatcher(s *Session) connMatcher { return nil }

// pia reports whether protocol detection by signature is in use.
func (m *Manager) pia() bool { return false }
