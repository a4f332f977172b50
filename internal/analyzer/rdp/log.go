package rdp

import "github.com/heron-nsm/heron/internal/zeek"

// Info is an rdp.log record (Zeek's RDP::Info): one RDP connection, as
// far as it is seen before it is logged.
type Info struct {
	// TS is when the first RDP message of the connection was seen.
	TS zeek.Time `zeek:"ts"`
	// UID is the connection's uid.
	UID string `zeek:"uid"`
	// ID holds the connection's endpoints.
	ID zeek.ConnID `zeek:"id"`
	// Cookie is the routing cookie of the client's connection request,
	// usually a (truncated) user name.
	Cookie zeek.Opt[string] `zeek:"cookie"`
	// Result is the outcome: a negotiation failure, the GCC conference
	// create result, or "encrypted".
	Result zeek.Opt[string] `zeek:"result"`
	// SecurityProtocol is the security protocol the server chose.
	SecurityProtocol zeek.Opt[string] `zeek:"security_protocol"`
	// ClientChannels are the virtual channels the client requested.
	ClientChannels zeek.Opt[[]string] `zeek:"client_channels"`
	// KeyboardLayout is the client's keyboard layout (language).
	KeyboardLayout zeek.Opt[string] `zeek:"keyboard_layout"`
	// ClientBuild is the RDP client version.
	ClientBuild zeek.Opt[string] `zeek:"client_build"`
	// ClientName is the client machine's name.
	ClientName zeek.Opt[string] `zeek:"client_name"`
	// ClientDigProductID is the client machine's product id.
	ClientDigProductID zeek.Opt[string] `zeek:"client_dig_product_id"`
	// DesktopWidth is the client's desktop width.
	DesktopWidth zeek.Opt[uint64] `zeek:"desktop_width"`
	// DesktopHeight is the client's desktop height.
	DesktopHeight zeek.Opt[uint64] `zeek:"desktop_height"`
	// RequestedColorDepth is the color depth the client asked for.
	RequestedColorDepth zeek.Opt[string] `zeek:"requested_color_depth"`
	// CertType is the type of the server's certificate under RDP's own
	// encryption.
	CertType zeek.Opt[string] `zeek:"cert_type"`
	// CertCount is the number of certificates seen.
	CertCount uint64 `zeek:"cert_count"`
	// CertPermanent says whether the certificate (chain) is permanent.
	CertPermanent zeek.Opt[bool] `zeek:"cert_permanent"`
	// EncryptionLevel is the server's encryption level.
	EncryptionLevel zeek.Opt[string] `zeek:"encryption_level"`
	// EncryptionMethod is the server's encryption method.
	EncryptionMethod zeek.Opt[string] `zeek:"encryption_method"`
}
