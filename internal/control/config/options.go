package config

import "strings"

// OptionType is the type of a heronctl.cfg option, as zeekctl types them.
type OptionType string

// Option types.
const (
	TypeBool   OptionType = "bool"   // 1, 0, true or false (any case)
	TypeInt    OptionType = "int"    // a decimal integer
	TypeString OptionType = "string" // any text; ${Name} is substituted
)

// OptionDef describes one option of heronctl.cfg (or zeekctl.cfg).
type OptionDef struct {
	// Name is the option's name as zeekctl spells it ("LogDir"). Names
	// are not case-sensitive in the file.
	Name string
	// Type is how the value is read.
	Type OptionType
	// Default is the value when the file does not set it; ${Name}
	// references are substituted.
	Default string
	// Heron tells whether heronctl acts on the option. The others are
	// zeekctl's (Broker, WebSocket, Time Machine, ...): accepted so that
	// a zeekctl.cfg reads unchanged, and otherwise ignored.
	Heron bool
	// Legacy is the option's old Bro-era name, which is refused with a
	// pointer to Name, as zeekctl does.
	Legacy string
	// Doc says what the option does.
	Doc string
}

// Options lists every option heronctl.cfg may set, with zeekctl's defaults
// (ZeekControl/options.py) except where a default names Zeek's own files:
// the node binary is heron, site policy lives in share/heron/site, and mail
// says it comes from Heron.
var Options = []OptionDef{
	{"Debug", TypeBool, "0", true, "", "Write debugging output to DebugLog."},
	{"HaveNFS", TypeBool, "0", false, "", "Shared files are on NFS across all hosts."},
	{"ClusterBackend", TypeString, "ZeroMQ", false, "", "zeekctl's cluster backend; Heron's cluster always uses NATS."},
	{"SaveTraces", TypeBool, "0", false, "", "Let nodes record short traces."},
	{"StopTimeout", TypeInt, "60", true, "", "Seconds to wait for a node to stop before killing it."},
	{"CommTimeout", TypeInt, "10", false, "", "Seconds to wait for Broker communication."},
	{"ControlTopic", TypeString, "zeek/control", false, "", "zeekctl's Broker control topic."},
	{"CommandTimeout", TypeInt, "60", true, "", "Seconds to wait for a command on a host to finish."},
	{"ZeekPort", TypeInt, "27760", true, "BroPort", "First port of the cluster's nodes; each node gets the next one."},
	{"MetricsAddress", TypeString, "127.0.0.1", true, "", "Address the Prometheus endpoints listen on."},
	{"MetricsPort", TypeInt, "9991", true, "", "First Prometheus port; each node gets the next one (0: none)."},
	{"LogRotationInterval", TypeInt, "3600", true, "", "Seconds between log rotations (0: no rotation)."},
	{"LogDir", TypeString, "${ZeekBase}/logs", true, "", "Where rotated logs are archived."},
	{"MakeArchiveName", TypeString, "${ZeekBase}/share/heronctl/scripts/make-archive-name", false, "", "zeekctl's script naming archived logs."},
	{"CompressLogs", TypeBool, "1", true, "", "Compress archived logs."},
	{"CompressLogsInFlight", TypeInt, "0", false, "", "zeekctl's number of logs compressed at once."},
	{"CompressCmd", TypeString, "gzip", true, "", "Command compressing archived logs."},
	{"CompressExtension", TypeString, "gz", true, "", "File extension of compressed logs."},
	{"PrivateAddressSpaceIsLocal", TypeBool, "1", true, "", "Count private address space as local (Site::private_address_space_is_local)."},
	{"SendMail", TypeString, "/usr/sbin/sendmail", true, "", "Mail program (empty: send no mail)."},
	{"MailSubjectPrefix", TypeString, "[Heron]", true, "", "Start of every mail subject."},
	{"MailReplyTo", TypeString, "", true, "", "Reply-To of mail (empty: none)."},
	{"MailTo", TypeString, "${User}", true, "", "Where mail goes."},
	{"MailFrom", TypeString, "Heron <heron@${Hostname}>", true, "", "Sender of mail."},
	{"MailAlarmsTo", TypeString, "${MailTo}", true, "", "Where alarm summaries go."},
	{"MailAlarmsInterval", TypeInt, "86400", true, "", "Seconds between alarm summaries."},
	{"MailConnectionSummary", TypeBool, "1", true, "", "Mail a connection summary at each rotation."},
	{"MailHostUpDown", TypeBool, "1", true, "", "Mail when a host goes down or comes back."},
	{"MailArchiveLogFail", TypeBool, "1", true, "", "Mail when archiving a log fails."},
	{"MailReceivingPackets", TypeBool, "1", true, "", "Mail when a worker stops receiving packets."},
	{"MinDiskSpace", TypeInt, "5", true, "", "Warn when a disk has less than this percentage free (0: never)."},
	{"StatsLogEnable", TypeBool, "1", true, "", "Keep statistics in StatsLog."},
	{"StatsLogExpireInterval", TypeInt, "0", true, "", "Days StatsLog entries are kept (0: forever)."},
	{"CrashExpireInterval", TypeInt, "0", true, "", "Days crash reports are kept (0: forever)."},
	{"LogExpireInterval", TypeString, "0", true, "", `How long archived logs are kept: days, or "N day", "N hr", "N min" (0: forever).`},
	{"KeepLogs", TypeString, "", true, "", "Space-separated shell patterns of logs that never expire."},
	{"ZeekArgs", TypeString, "", true, "BroArgs", "Extra arguments for every node."},
	{"MemLimit", TypeString, "unlimited", true, "", "Virtual memory limit of a node in KB (ulimit -v)."},
	{"Env_Vars", TypeString, "", true, "", "Environment of every node: VAR=VALUE, comma-separated (node.cfg's env_vars win)."},
	{"TimeFmt", TypeString, "%d %b %H:%M:%S", true, "", "strftime format of times heronctl prints."},
	{"Prefixes", TypeString, "local", false, "", "zeekctl's script prefixes (-p)."},
	{"SitePolicyScripts", TypeString, "local.zeek", true, "", "Site policy every node loads: space-separated script names."},
	{"StatusCmdShowAll", TypeBool, "0", false, "", "zeekctl's status shows peer counts."},
	{"StopWait", TypeBool, "0", true, "", "Wait for nodes to stop without a timeout."},
	{"CronCmd", TypeString, "", true, "", "Command run at the end of heronctl cron."},
	{"PFRINGClusterID", TypeInt, "21", true, "", "PF_RING cluster id of the first interface of a host (0: no PF_RING settings)."},
	{"PFRINGClusterType", TypeString, "4-tuple", true, "", "PF_RING load balancing: 2-tuple, 4-tuple, 5-tuple, tcp-5-tuple, 6-tuple or inner-*."},
	{"PFRINGFirstAppInstance", TypeInt, "0", true, "", "First PF_RING application instance of each interface."},
	{"PcapSnaplen", TypeInt, "9216", true, "", "Bytes captured of each packet."},
	{"PcapBufsize", TypeInt, "128", true, "", "Capture buffer size in MB."},
	{"TimeMachineHost", TypeString, "", false, "", "zeekctl's Time Machine host."},
	{"TimeMachinePort", TypeString, "47757/tcp", false, "", "zeekctl's Time Machine port."},
	{"UseWebSocket", TypeBool, "1", false, "", "zeekctl's WebSocket server on the manager."},
	{"WebSocketHost", TypeString, "127.0.0.1", false, "", "zeekctl's WebSocket address."},
	{"WebSocketPort", TypeInt, "27759", false, "", "zeekctl's WebSocket port."},
	{"WebSocketUrl", TypeString, "", false, "", "zeekctl's WebSocket URL."},
	{"WebSocketTimeout", TypeInt, "10", false, "", "zeekctl's WebSocket timeout."},
	{"ZeekBase", TypeString, "${Prefix}", true, "BroBase", "The installation prefix (set by heronctl)."},
	{"BinDir", TypeString, "${ZeekBase}/bin", true, "", "Where heron and heronctl are installed."},
	{"Zeek", TypeString, "${BinDir}/heron", true, "Bro", "The node program."},
	{"ScriptsDir", TypeString, "${ZeekBase}/share/heronctl/scripts", false, "", "zeekctl's helper scripts."},
	{"PostProcDir", TypeString, "${ZeekBase}/share/heronctl/scripts/postprocessors", false, "", "zeekctl's log postprocessors."},
	{"HelperDir", TypeString, "${ZeekBase}/share/heronctl/scripts/helpers", false, "", "zeekctl's helpers."},
	{"CfgDir", TypeString, "${ZeekBase}/etc", true, "", "Where heronctl.cfg, node.cfg and networks.cfg are."},
	{"SpoolDir", TypeString, "${ZeekBase}/spool", true, "", "Where nodes run and heronctl keeps its state."},
	{"BrokerDBDir", TypeString, "${ZeekBase}/spool/brokerstore", false, "", "zeekctl's Broker store."},
	{"FileExtractDir", TypeString, "${SpoolDir}/extract_files", true, "", "Where extracted files go."},
	{"PolicyDir", TypeString, "${ZeekBase}/share/heron", false, "", "zeekctl's Zeek script directory."},
	{"StaticDir", TypeString, "${ZeekBase}/share/heronctl", false, "", "zeekctl's static files."},
	{"LibDir", TypeString, "${ZeekBase}/lib", false, "", "zeekctl's library directory."},
	{"LibDir64", TypeString, "${ZeekBase}/lib64", false, "", "zeekctl's 64-bit library directory."},
	{"LibDirInternal", TypeString, "${ZeekBase}/lib/zeekctl", false, "", "zeekctl's Python modules."},
	{"TmpDir", TypeString, "${SpoolDir}/tmp", true, "", "Temporary files."},
	{"TmpExecDir", TypeString, "${SpoolDir}/tmp", true, "", "Temporary programs."},
	{"StatsDir", TypeString, "${LogDir}/stats", true, "", "Where statistics are archived."},
	{"PluginDir", TypeString, "${LibDirInternal}/plugins", false, "", "zeekctl's plugins."},
	{"PluginZeekDir", TypeString, "${LibDir}/zeek/plugins", false, "PluginBroDir", "Zeek's plugins."},
	{"TraceSummary", TypeString, "${BinDir}/trace-summary", false, "", "zeekctl's trace-summary."},
	{"CapstatsPath", TypeString, "${BinDir}/capstats", false, "", "zeekctl's capstats."},
	{"NodeCfg", TypeString, "${CfgDir}/node.cfg", true, "", "The node configuration."},
	{"LocalNetsCfg", TypeString, "${CfgDir}/networks.cfg", true, "", "The local networks."},
	{"StateFile", TypeString, "${SpoolDir}/state.db", true, "", "heronctl's state."},
	{"LockFile", TypeString, "${SpoolDir}/lock", true, "", "heronctl's lock."},
	{"DebugLog", TypeString, "${SpoolDir}/debug.log", true, "", "Debugging output (with Debug)."},
	{"StatsLog", TypeString, "${SpoolDir}/stats.log", true, "", "Statistics (with StatsLogEnable)."},
	{"DefaultStoreDir", TypeString, "${SpoolDir}/stores", false, "", "zeekctl's Broker stores."},
	{"SitePolicyPath", TypeString, "${ZeekBase}/share/heron/site", true, "", "Colon-separated directories searched for site policy files."},
	{"SitePluginPath", TypeString, "", false, "", "zeekctl's extra plugin directories."},
	{"PolicyDirSiteInstall", TypeString, "${SpoolDir}/installed-scripts-do-not-touch/site", false, "", "zeekctl's installed site policy."},
	{"PolicyDirSiteInstallAuto", TypeString, "${SpoolDir}/installed-scripts-do-not-touch/auto", false, "", "zeekctl's generated scripts."},
	{"ZeekCtlConfigDir", TypeString, "${SpoolDir}", false, "BroCtlConfigDir", "zeekctl's generated configuration."},
	{"ClusterTopicSeparator", TypeString, "", false, "", "zeekctl's topic separator."},
	// Heron's own options for sending mail through an SMTP server.
	{"MailSMTPServer", TypeString, "", true, "", "SMTP server for heronctl's mail (empty: use SendMail)."},
	{"MailSMTPPort", TypeInt, "0", true, "", "Port of the SMTP server (0: 25, or 465 with MailSMTPTLS = tls)."},
	{"MailSMTPTLS", TypeString, "none", true, "", "TLS to the SMTP server: none, starttls or tls."},
	{"MailSMTPUser", TypeString, "", true, "", "User for SMTP AUTH PLAIN (empty: no authentication)."},
	{"MailSMTPPassword", TypeString, "", true, "", "Password for SMTP AUTH PLAIN."},
	// Heron's own options for reaching hosts through SSH.
	{"SSHPort", TypeInt, "22", true, "", "Port of the SSH server on hosts other than this one."},
	{"SSHUser", TypeString, "${User}", true, "", "User heronctl logs in as on other hosts."},
	{"SSHKeyFile", TypeString, "", true, "", "Private key for SSH (empty: ~/.ssh/id_ed25519, id_ecdsa, id_rsa)."},
	{"SSHKnownHosts", TypeString, "", true, "", "known_hosts file checked for host keys (empty: ~/.ssh/known_hosts)."},
	// Options of zeekctl's plugins ("plugin.option").
	{"lb_custom.InterfacePrefix", TypeString, "", true, "", "Put before the interface of lb_method=custom workers."},
	{"lb_custom.InterfaceSuffix", TypeString, "", true, "", "Put after the interface of lb_method=custom workers."},
	{"zeek_port_warning.disable", TypeBool, "0", false, "", "zeekctl's ZeekPort warning."},
}

// optionIndex maps lower-case names (and legacy names) to Options.
var optionIndex = func() map[string]*OptionDef {
	m := make(map[string]*OptionDef, len(Options))
	for i := range Options {
		m[strings.ToLower(Options[i].Name)] = &Options[i]
	}
	return m
}()

// legacyIndex maps lower-case legacy names to their options.
var legacyIndex = func() map[string]*OptionDef {
	m := map[string]*OptionDef{}
	for i := range Options {
		if l := Options[i].Legacy; l != "" {
			m[strings.ToLower(l)] = &Options[i]
		}
	}
	return m
}()

// LookupOption returns the option named name (any case), or nil.
func LookupOption(name string) *OptionDef { return optionIndex[strings.ToLower(name)] }
