package config

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzReadSettings: any heronctl.cfg is read or refused with a config
// error naming the file; never a panic.
func FuzzReadSettings(f *testing.F) {
	f.Add([]byte("LogDir = ${SpoolDir}/x\nZeekPort = 1_000\nDebug = true\n"))
	f.Add([]byte("MailFrom = ${A:${B}}\nLogExpireInterval = 3 hrs\n"))
	f.Add([]byte("a.b = ${A}\nLogDir=${LogDir}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, _, err := ReadSettings(bytes.NewReader(data), "h.cfg", testBuiltins)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || ce.File != "h.cfg" {
				t.Fatalf("error %v is not a config error of h.cfg", err)
			}
			return
		}
		_ = s.List()
	})
}

// FuzzNodeCfg: any node.cfg expands or is refused with a config error;
// expanded nodes have names, hosts, ports and one CPU list entry per
// thread.
func FuzzNodeCfg(f *testing.F) {
	f.Add([]byte(cluster + "[w]\ntype=worker\nhost=x\ninterface=eth0\nlb_method=af_packet\nlb_procs=3\npin_cpus=1,2\nthreads=2\n"))
	f.Add([]byte(cluster + "[w]\ntype=worker\nhost=x\ninterface=dna0\nlb_method=pf_ring\nlb_procs=2\n[v]\ntype=worker\nhost=x\nlb_method=interfaces\nlb_procs=2\nlb_interfaces=a,b\n"))
	f.Add([]byte("[DEFAULT]\nhost=%(h)s\nh=y\n[s]\ntype=standalone\n  continued\n"))
	f.Add([]byte(cluster + "[w]\ntype=worker\nhost=x\ninterface=af_packet::e\naf_packet_fanout_id=(1+2)*3\naf_packet_block_timeout=5msec\n"))
	s, _, err := ReadSettings(bytes.NewReader(nil), "h.cfg", testBuiltins)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		nodes, _, err := readNodes(bytes.NewReader(data), "node.cfg")
		if err == nil {
			_, err = finishNodes(nodes, s, "node.cfg")
		}
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a config error", err)
			}
			return
		}
		for _, n := range nodes {
			if n.Name == "" || n.Host == "" || n.Threads < 1 || (len(n.CPUs) != 0 && len(n.CPUs) != n.Threads) {
				t.Fatalf("bad node %+v", *n)
			}
		}
		CheckCores(nodes, func(string) (int, bool) { return 4, true })
	})
}

// FuzzPolicy: any site policy file parses or is refused with a config
// error; never a panic.
func FuzzPolicy(f *testing.F) {
	f.Add([]byte(sitePolicy))
	f.Add([]byte("redef a = \"x;\\\"#\";\n@load-sigs x\n@load\n"))
	f.Add([]byte("redef Site::local_nets += {\n  10.0.0.0/8, # c\n};\nevent x() {}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &policyReader{seen: map[string]bool{}}
		p := &Policy{}
		err := r.parse(p, bytes.NewReader(data), "/nonexistent/site/local.zeek", 0)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || ce.Line < 1 {
				t.Fatalf("error %v is not a config error with a line", err)
			}
			return
		}
		if _, _, err := checkRedefs(p); err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("redef error %v is not a config error", err)
			}
		}
	})
}
