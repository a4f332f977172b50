package config

import (
	"errors"
	"strings"
	"testing"
)

var testBuiltins = Builtins{Prefix: "/opt/heron", User: "analyst", Hostname: "sensor"}

func TestSettingsDefaults(t *testing.T) {
	s, warns, err := ReadSettings(strings.NewReader(""), "heronctl.cfg", testBuiltins)
	if err != nil || len(warns) != 0 {
		t.Fatalf("%v %v", err, warns)
	}
	for k, v := range map[string]string{
		"ZeekBase": "/opt/heron", "LogDir": "/opt/heron/logs", "SpoolDir": "/opt/heron/spool",
		"CfgDir": "/opt/heron/etc", "NodeCfg": "/opt/heron/etc/node.cfg", "LocalNetsCfg": "/opt/heron/etc/networks.cfg",
		"StatsDir": "/opt/heron/logs/stats", "MailTo": "analyst", "MailAlarmsTo": "analyst",
		"MailFrom": "Heron <heron@sensor>", "SitePolicyScripts": "local.zeek", "Zeek": "/opt/heron/bin/heron",
		"SitePolicyPath": "/opt/heron/share/heron/site", "PFRINGClusterType": "4-tuple", "LogExpireInterval": "0",
		"CompressCmd": "gzip", "SendMail": "/usr/sbin/sendmail",
	} {
		if got := s.String(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	for k, v := range map[string]int{"ZeekPort": 27760, "MetricsPort": 9991, "LogRotationInterval": 3600,
		"StopTimeout": 60, "MinDiskSpace": 5, "PFRINGClusterID": 21, "CrashExpireInterval": 0} {
		if got := s.Int(k); got != v {
			t.Errorf("%s = %d, want %d", k, got, v)
		}
	}
	if !s.Bool("CompressLogs") || s.Bool("Debug") {
		t.Error("bool defaults")
	}
	if f, l := s.Source("LogDir"); f != "" || l != 0 {
		t.Errorf("default LogDir has source %s:%d", f, l)
	}
	list := s.List()
	if len(list) != len(Options) {
		t.Errorf("List has %d options, want %d", len(list), len(Options))
	}
	for i := 1; i < len(list); i++ {
		if strings.ToLower(list[i-1].Name) >= strings.ToLower(list[i].Name) {
			t.Errorf("List not sorted at %s, %s", list[i-1].Name, list[i].Name)
		}
	}
}

func TestSettingsValues(t *testing.T) {
	cfg := `# comment
  LOGDIR = ${SpoolDir}/../logs  
spooldir=/data/spool
MailTo = ops@example.org
mailfrom = Heron on ${Hostname} <${MailTo}>
KeepLogs = ${NoSuch:notice*} conn*
ZeekPort = 1_000
Debug = TRUE
CompressLogs = false
LogExpireInterval = 2hrs
LogRotationInterval = 600
lb_custom.InterfacePrefix = af_packet::
someplugin.option = 7
UseWebSocket = 0
`
	s, warns, err := ReadSettings(strings.NewReader(cfg), "heronctl.cfg", testBuiltins)
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	for k, v := range map[string]string{
		"LogDir": "/data/spool/../logs", "MailFrom": "Heron on sensor <ops@example.org>",
		"KeepLogs": "notice* conn*", "lb_custom.interfaceprefix": "af_packet::", "someplugin.option": "7",
		"StatsDir": "/data/spool/../logs/stats",
	} {
		if got := s.String(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if s.Int("ZeekPort") != 1000 || !s.Bool("Debug") || s.Bool("CompressLogs") || s.Bool("UseWebSocket") {
		t.Error("typed values wrong")
	}
	if m, err := s.LogExpireMinutes(); m != 120 || err != nil {
		t.Errorf("LogExpireMinutes = %d, %v", m, err)
	}
	if f, l := s.Source("logdir"); f != "heronctl.cfg" || l != 2 {
		t.Errorf("LogDir source %s:%d", f, l)
	}
}

func TestSettingsWarnings(t *testing.T) {
	_, warns, err := ReadSettings(strings.NewReader("Frobnicate = 1\nLogDir = ${Nope}/x\n"), "h.cfg", testBuiltins)
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 2 || warns[0].Line != 1 || !strings.Contains(warns[0].Msg, "frobnicate") || warns[1].Line != 2 || warns[0].Fix == "" {
		t.Errorf("warnings %v", warns)
	}
}

func TestSettingsErrors(t *testing.T) {
	cases := []struct {
		cfg  string
		line int
		msg  string
	}{
		{"LogDir /x", 1, "not an option setting"},
		{"\n = 5", 2, "no option name"},
		{"Log-Dir = 5", 1, "invalid characters"},
		{"9lives = 5", 1, "cannot start with a number"},
		{`MailTo = "a@b"`, 1, "wrapped in quotes"},
		{"BroPort = 47760", 1, "BroPort is no longer supported"},
		{"ZeekPort = many", 1, "not an integer"},
		{"ZeekPort = 70000", 1, "not a port"},
		{"Debug = yes", 1, "not a bool"},
		{"LogExpireInterval = 3 weeks", 1, "not an interval"},
		{"LogExpireInterval = 30 min\nLogRotationInterval = 3600", 1, "expire"},
		{"LogDir = ${SpoolDir}\nSpoolDir = ${LogDir}", -1, "refers to itself"},
		{strings.Repeat("x", maxCfgLine+10), 1, "line longer"},
	}
	for _, c := range cases {
		_, _, err := ReadSettings(strings.NewReader(c.cfg), "heronctl.cfg", testBuiltins)
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("%q: error %v, want a config error", c.cfg, err)
			continue
		}
		if ce.File != "heronctl.cfg" || (c.line >= 0 && ce.Line != c.line) || !strings.Contains(ce.Msg, c.msg) || ce.Fix == "" {
			t.Errorf("%q: %+v, want line %d and %q with a fix", c.cfg, ce, c.line, c.msg)
		}
		if !strings.HasPrefix(err.Error(), "config: heronctl.cfg:") {
			t.Errorf("%q: message %q", c.cfg, err)
		}
	}
}

func TestPyInt(t *testing.T) {
	for s, want := range map[string]int{"0": 0, " 12 ": 12, "-3": -3, "+4": 4, "1_000": 1000} {
		if v, ok := pyInt(s); !ok || v != want {
			t.Errorf("pyInt(%q) = %d, %v", s, v, ok)
		}
	}
	for _, s := range []string{"", "_1", "1_", "1__0", "0x10", "1.5", "- 1"} {
		if _, ok := pyInt(s); ok {
			t.Errorf("pyInt(%q) accepted", s)
		}
	}
}
