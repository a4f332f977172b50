package node

// newTestPipeline builds a single analysis thread with its own logs, for
// tests that drive it packet by packet.
func newTestPipeline(cfg Config) (*pipeline, error) {
	sh, err := newShared(cfg)
	if err != nil {
		return nil, err
	}
	p, err := newPipeline(sh, 0)
	if err != nil {
		sh.close()
		return nil, err
	}
	return p, nil
}

// close closes the logs of a pipeline built by newTestPipeline.
func (p *pipeline) close() error { return p.sh.close() }
