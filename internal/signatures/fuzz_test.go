package signatures

import (
	"net/netip"
	"testing"
)

// FuzzParse parses arbitrary signature files and, when they parse, compiles
// and runs them over a little traffic: no input may panic or take unbounded
// work.
func FuzzParse(f *testing.F) {
	f.Add([]byte("signature s { ip-proto == tcp dst-port == 80 payload /.*root/ event \"r\" }"))
	f.Add([]byte("signature a { payload /^GET/ tcp-state originator enable \"http\" }\nsignature b { payload /HTTP/ requires-reverse-signature a }"))
	f.Add([]byte("signature m { file-magic /^PK\\x03\\x04/ file-mime \"application/zip\", -5 }"))
	f.Add([]byte("signature h { header ip[16:4] & 0xffff0000 == 10.1.0.0 src-ip != [fe80::1]/64, 1.2.3.4/8 }"))
	f.Add([]byte(".meta data\n# c\nsignature x-y::z { payload [2:8] /a(?i:b)[[:digit:]]{2,}\"q\"$/i payload-size >= n same-ip }"))
	resolve := func(name string) (ScriptValue, bool) {
		switch name[0] % 4 {
		case 0:
			return ScriptValue{Kind: ScriptCount, Count: uint64(len(name))}, true
		case 1:
			return ScriptValue{Kind: ScriptString, Str: name}, true
		case 2:
			return ScriptValue{Kind: ScriptSubnet, Subnet: netip.MustParsePrefix("10.0.0.0/8")}, true
		}
		return ScriptValue{Kind: ScriptSet, Elems: []ScriptValue{{Kind: ScriptCount, Count: 80}}}, true
	}
	eval := func(string) (EvalFunc, bool) {
		return func(EvalState, []byte) bool { return true }, true
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 4096 {
			return
		}
		sigs, err := ParseBytes(src, "fuzz.sig")
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		set, err := CompileWith(sigs, Options{Resolve: resolve, Eval: eval})
		if err != nil {
			return
		}
		m := set.NewMatcher()
		for _, hdr := range []ConnHeader{tcpConn, udpConn} {
			cs := m.NewConnState(hdr)
			cs.SetEstablished(true)
			cs.InitEndpoint(true, &PacketHeader{IP: make([]byte, 20), Transport: src[:min(len(src), 24)]}, nil)
			cs.Match(Payload, true, src, 0, nil)
			cs.Match(Payload, false, src, 0, nil)
			cs.Match(HTTPRequest, true, src, BOL|EOL|Clear, nil)
			cs.MatchPacket(true, src, nil)
			cs.Finish(nil)
		}
		m.FileMagic(src, nil)
	})
}
