package files

import "strings"

// Heron's file-magic rules. The types and strengths are the ones Zeek's
// file-magic signatures (scripts/base/frameworks/files/magic/) give, so
// that files.log's mime_type and http.log's *_mime_types agree with
// Zeek's; the rules themselves are Heron's, written from the formats'
// magic numbers, and TestMagicAgainstZeek compares their verdicts with
// Zeek's signatures on sample files.
//
// Every pattern is anchored at the first byte of the file (a rule that
// looks further in starts with ".{n}" or ".*").

// ci spells a word case-insensitively: ci("html") = [hH][tT][mM][lL].
func ci(word string) string {
	var b strings.Builder
	for _, c := range []byte(word) {
		lo, up := strings.ToLower(string(c)), strings.ToUpper(string(c))
		if lo == up {
			b.WriteString(esc(c))
			continue
		}
		b.WriteString("[" + lo + up + "]")
	}
	return b.String()
}

// esc quotes a byte for a pattern.
func esc(c byte) string {
	if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
		return string(c)
	}
	const hex = "0123456789abcdef"
	return `\x` + string(hex[c>>4]) + string(hex[c&15])
}

// Shared fragments.
const (
	// anyBOM: optional UTF-8, UTF-16 or UTF-32 byte-order mark (plain text).
	anyBOM = `(\xef\xbb\xbf|(\x00\x00)?\xfe\xff|\xff\xfe(\x00\x00)?)?`
	// bom: optional UTF-8 or UTF-16 byte-order mark.
	bom = `(\xef\xbb\xbf|\xff\xfe|\xfe\xff)?`
	// sp: white space that may come before markup or JSON.
	sp = `[\x0d\x0a[:blank:]]`
	// spComments: white space and comments before markup.
	spComments = `(` + sp + `*(<!--.*-->)?` + sp + `*)*`
	// markup: what may precede the root element of an XML or HTML
	// document: white space, comments and an XML declaration.
	markup = spComments + `(<\?xml .*\?>)?` + spComments
	// shebang: "#!" and an interpreter path ending in "bin/", optionally
	// through env.
	shebang = `#![^\n]{1,15}bin\/(env[[:space:]]+)?`
	// notDash: any byte except '-' (an OpenDocument type ends here).
	notDash = `[\x00-\x2c\x2e-\xff]`
	// odf: a ZIP whose first entry is an uncompressed "mimetype" file
	// naming an OpenDocument type.
	odf = `PK\x03\x04.{22}\x08\x00\x00\x00mimetypeapplication\/vnd\.oasis\.opendocument\.`
	// pyc: a Python bytecode magic number ends in CR LF.
	pycEnd = `\x0d\x0a`
)

// allMagicRules returns the rule table.
func allMagicRules() []magicRule {
	var r []magicRule
	add := func(mime string, strength int, patterns ...string) {
		for _, p := range patterns {
			r = append(r, magicRule{mime, strength, p})
		}
	}

	// Text and markup.
	add("text/plain", -20, anyBOM+`[[:space:]\x20-\x7E]{10}`)
	jsonKey := `(["][^"]{1,}["]|[a-zA-Z][a-zA-Z0-9\\_]*)`
	add("text/json", 1,
		bom+sp+`*\{`+sp+`*`+jsonKey+sp+`*:`+sp+`*(["]|\[|\{|[0-9]|true|false)`,
		bom+sp+`*\[`+sp+`*(((["][^"]{1,}["]|[0-9]{1,}(\.[0-9]{1,})?|true|false)`+sp+`*,)|\{|\[)`+sp+`*`)
	// Empty JSON documents: the "$" never matches a file's beginning,
	// so, as in Zeek, this rule never fires; it is kept for the record.
	add("text/json", 0, bom+sp+`*(\[\]|\{\})`+sp+`*$`)
	add("application/xml", 10, bom+spComments+`\x00?<\x00?\?\x00?x\x00?m\x00?l\x00? \x00?`)
	add("text/html", 100, bom+markup+`<(!`+ci("doctype")+` {1,}`+ci("html")+`|`+ci("html")+`|`+ci("meta")+` {1,}`+ci("http-equiv")+`)`)
	add("text/html", 49, bom+markup+`<!`+ci("doctype")+` {1,}`+ci("html"))
	add("text/html", 20, bom+markup+`<(`+ci("head")+`|`+ci("html")+`|`+ci("title")+`|`+ci("body")+`)`)
	add("text/rss", 90, bom+markup+`<`+ci("rss"))
	add("text/atom", 100, bom+markup+`<(`+ci("rss")+`[^>]*xmlns:atom|`+ci("feed")+`[^>]*xmlns=["']?http:\/\/www.w3.org\/2005\/Atom["']?)`)
	add("application/soap+xml", 49, bom+markup+`<`+ci("soap")+`(-`+ci("env")+`)?:`+ci("envelope"))
	add("text/x-cross-domain-policy", 49,
		markup+`<!`+ci("doctype")+` {1,}`+ci("cross-domain-policy"),
		markup+`<`+ci("cross-domain-policy"))
	add("application/xml-rpc", 49, bom+markup+`<`+ci("methodresponse")+`>`)
	add("magnus-internal/cold-fusion", 20, `(`+sp+`*(<!--.*-->)?)*<(CFPARAM|CFSET|CFIF)`)
	add("application/f4m", 49, bom+markup+`<`+ci("manifest")+sp+`{1,}xmlns=\"http:\/\/ns\.adobe\.com\/f4m\/`)
	add("text/ini", 20, bom+`[\x00\x0d\x0a[:blank:]]*\[[^\x0d\x0a]+\][[:blank:]\x00]*[\x0d\x0a]`)

	// Assorted binary formats of general.sig.
	add("application/x-ms-shortcut", 49, `\x4c\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46`)
	add("application/vnd.ms-pol", 49, `PReg`)
	add("application/vnd.ms-reg", 49, `REGEDIT4`,
		`\xff\xfe`+strings.TrimSuffix(utf16le("Windows Registry Editor Version 5.00"), `\x00`))
	add("application/vnd.ms-regf", 49, `regf`)
	add("application/vnd.ms-outlook", 49, `!BDN......[\x0e\x0f\x15\x17][\x00-\x02]`)
	add("application/vnd.apple-afpinfo", 0, `AFP`)
	add("application/ocsp-request", 71, `.{11,19}\x06\x05\x2b\x0e\x03\x02\x1a`)
	add("application/ocsp-response", 71, `.{11,19}\x06\x09\x2b\x06\x01\x05\x05\x07\x30\x01\x01`)
	add("application/x-shockwave-flash", 60, `[FCZ]WS`)
	add("application/vnd.ms-tnef", 100, `\x78\x9f\x3e\x22`)
	add("application/pkcs7-signature", 100, `MIME-Version:.*protocol=\"application\/pkcs7-signature\"`)
	add("application/x-pem", 0, `-----BEGIN CERTIFICATE-----`)
	add("application/vnd.tcpdump.pcap", 70, `(\xa1\xb2\xc3\xd4|\xd4\xc3\xb2\xa1)`)
	add("application/vnd.tcpdump.pcap", 100, `\x0a\x0d\x0d\x0a.{4}(\x1a\x2b\x3c\x4d|\x4d\x3c\x2b\x1a)`)
	add("application/sla", 10, `solid `)
	add("application/skp", 100, `\xff\xfe\xff\x0e`+utf16le("SketchUp Model"))
	add("application/x-ms-dds", 100, `DDS`)
	add("application/bsdiff", 100, `BSDIFF`)
	add("application/bindiff", 100, `DIFF`)
	add("application/x-kaspavdb", 100, `KLZF`)
	add("application/x-kaspavupdate", 100, `KLD2`)
	add("application/mssql-bak", 100, `MSSQLBAK`)
	add("application/mtf", 100, `TAPE`)
	add("application/bplist", 100, `bplist`)
	add("application/mshelp", 100, `ITSF`)
	add("application/x-game-mpq", 100, `MPQ\x1a`)
	add("application/x-blizgame", 100, `BLTE`)
	add("application/map-tile", 100, `VMP4`)
	add("application/chrome-ext", 100, `Cr24`)
	add("application/chrome-ext-upd", 70, `CrOD`)
	add("application/msqm", 100, `MSQM`)
	add("application/x-vim-tmp", 100, `b0VIM`)
	add("application/x-windows-minidump", 50, `MDMP`)

	// Images.
	add("image/tiff", 70, `(MM\x00[\x2a\x2b]|II[\x2a\x2b]\x00)`)
	add("image/gif", 70, `GIF8`)
	add("image/jpeg", 52, `\xff\xd8`)
	add("image/x-ms-bmp", 50, `BM.{12}[\x0c\x28\x40\x6c\x7c\x80]\x00`)
	add("image/x-icon", 70, `\x00\x00\x01\x00`)
	add("image/x-cursor", 70, `\x00\x00\x02\x00`)
	add("image/vnd.adobe.photoshop", 70, `8BPS`)
	add("image/png", 110, `\x89PNG`)
	add("image/jp2", 60, `.{4}ftypjp2`)
	jp2Box := `\x00\x00\x00\x0cjP  \x0d\x0a\x87\x0a.{8}`
	add("image/jp2", 70, jp2Box+`jp2 `)
	add("image/jpx", 70, jp2Box+`jpx `)
	add("image/jpm", 70, jp2Box+`jpm `)
	add("image/x-xcursor", 70, `Xcur`)
	add("image/x-niff", 70, `IIN1`)
	add("image/x-exr", 70, `\x76\x2f\x31\x01`)
	add("image/x-dpx", 70, `SDPX`)
	add("image/x-cpi", 70, `CPC\xb2`)
	add("image/x-olympus-orf", 70, `(IIR[OS]|MMOR)`)
	add("image/x-x3f", 70, `FOVb`)
	add("image/x-paintnet", 70, `PDN3`)
	add("image/x-coreldraw", 70, `RIFF....CDR[A6]`)
	add("image/x-portable-pixmap", 50, `P7`)
	add("image/jp2", 50, `....jP`)
	add("image/vnd.djvu", 70, `AT&TFORM.{4}(DJV[MUI]|THUM)`)
	add("image/vnd.dwg", 90, `(AC[12]\.|AC10)`)
	add("image/x-xcf", 110, `gimp xcf`)
	add("image/x-polar-monitor-bitmap", 160, `\[BitmapInfo2\]`)
	add("image/x-award-bmp", 20, `AWBM`)
	add("image/x-award-bioslogo", 50, `\x11[\x06\x09]`)
	add("image/webp", 70, `RIFF.{4}WEBP`)

	// Executables.
	add("application/x-dosexec", 51, `MZ`)
	elf := func(kind byte) string {
		k := esc(kind)
		return `\x7fELF[\x01\x02](\x01.{10}` + k + `\x00|\x02.{10}\x00` + k + `)`
	}
	add("application/x-object", 50, elf(1))
	add("application/x-executable", 50, elf(2))
	add("application/x-sharedlib", 50, elf(3))
	add("application/x-coredump", 50, elf(4))
	add("application/x-mach-o-executable", 100, `[\xce\xcf]\xfa\xed\xfe`, `\xca\xfe\xba\xbe..\x00[\x01-\x14]`)
	add("application/x-elc", 10, `;ELC[\x00-\x1f\x80-\xff]`)

	// Archives and compression.
	add("application/x-tar", 100, `[[:print:]\x00]{100}([[:digit:]\x20]{7}\x00){3}([[:digit:]\x20]{11}\x00){2}([[:digit:]\x00\x20]{7}[\x20\x00])[0-7\x00]`)
	add("application/zip", 10, `PK\x03\x04.{2}`, `PK\x07\x08PK\x03\x04`)
	add("application/x-rar", 70, `Rar!`)
	add("application/x-gzip", 100, `\x1f\x8b`)
	add("application/vnd.ms-cab-compressed", 110, `MSCF\x00\x00\x00\x00`)
	add("application/x-dmg", 100, `(\x78\x01\x73\x0d\x62\x62\x60|\x78\xda\x63\x60\x18\x05|\x78\x01\x63\x60\x18\x05|\x78\xda\x73\x0d|\x78[\x01\xda]\xed[\xd0-\xd9])`)
	add("application/x-xar", 100, `xar!`)
	add("application/x-rpm", 70, `(drpm|\xed\xab\xee\xdb)`)
	add("application/x-debian-package", 171, `!<arch>\x0adebian`)
	add("application/x-stuffit", 70, `(SIT!|StuffIt)`)
	add("application/x-archive", 70, `!?<ar(ch)?>`)
	add("application/x-arc", 70, `[\x00-\x7f]{2}[\x02-\x0a\x14\x48]\x1a`)
	add("application/x-eet", 70, `\x1e\xe7\xff\x00`)
	add("application/x-zoo", 70, `.{20}\xdc\xa7\xc4\xfd`)
	add("application/x-lz4", 70, `\x02\x21\x4c\x18`, `\x04\x22\x4d\x18`)
	add("application/x-lrzip", 1, `LRZI`)
	add("application/x-lzip", 70, `LZIP`)
	add("application/zip", 340, `MZ.{28}(Copyright 1989-1990 PKWARE Inc|PKLITE Copr)\.`)
	add("application/x-lzh", 80, `.{2}-(lh[ abcdex0-9]|lz[s2-8]|pm[s012]|pc1)-`)
	add("application/warc", 50, `WARC\/`)
	add("application/x-7z-compressed", 50, `7z\xbc\xaf\x27\x1c`)
	add("application/x-xz", 90, `\xfd7zXZ\x00`)
	add("application/x-lha", 120, `MZ.{34}LH[aA]'s SFX`)
	add("application/x-arj", 50, "`"+`\xea`)
	add("application/x-cpio", 50, `(\x71\xc7|\xc7\x71)`)
	add("application/x-compress", 50, `\x1f\x9d`)
	add("application/x-lzma", 71, `\x5d\x00\x00`)
	add("application/x-ace", 100, `.{7}\*\*ACE\*\*`)
	add("application/x-bzip2", 60, `BZh`)

	// Audio.
	add("audio/mpeg", 20, `(ID3|\xff[\xe2\xe3\xf2\xf3\xf6\xf7\xfa\xfb\xfc\xfd])`)
	add("audio/m4a", 70, `....ftypm4a`)

	// Fonts.
	add("application/font-woff2", 70, `wOF2`)
	add("application/font-woff", 70, `wOFF`)
	add("application/x-font-ttf", 80, `\x00\x01\x00\x00\x00`)
	add("application/vnd.ms-fontobject", 50, `.{34}LP`)
	add("application/x-font-sfn", 70, `(\x04\x00\x00\x00|\x00\x00\x00\x04).{100}(\x04\x00\x00\x00|\x00\x00\x00\x04)`)
	add("application/vnd.ms-opentype", 70, `OTTO`)
	add("application/x-mif", 190, `<MakerScreenFont`)
	add("application/vnd.font-fontforge-sfd", 160, `SplineFontDB:`)

	// Java.
	add("application/java-archive", 100, `PK\x03\x04.{1,200}\x14\x00..META-INF\/MANIFEST\.MF`)
	add("application/x-java-applet", 71, `\xca\xfe\xba\xbe...[\x2d-\x34]`)
	add("application/x-java-pack200", 1, `\xca\xfe\xd0\x0d.`)
	add("application/x-java-jnlp-file", 100, `<jnlp `)
	add("application/x-java-keystore", 70, `\xfe\xed\xfe\xed`)
	add("application/x-java-jce-keystore", 70, `\xce\xce\xce\xce`)

	// Office documents.
	add("application/msword", 50, `\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1`)
	add("application/vnd.openxmlformats-officedocument", 50, `PK\x03\x04\x14\x00\x06\x00`)
	ooxml := func(dir string) string {
		return `PK\x03\x04.{26}(\[Content_Types\]\.xml|_rels\/\.rels|` + dir + `\/).*PK\x03\x04.{26}` + dir + `\/`
	}
	add("application/vnd.openxmlformats-officedocument.wordprocessingml.document", 80, ooxml("word"))
	add("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 80, ooxml("xl"))
	add("application/vnd.openxmlformats-officedocument.presentationml.presentation", 80, ooxml("ppt"))
	add("application/x-msaccess", 180, `.{4}Standard (Jet|ACE) DB\x00`)
	for _, kind := range []string{"text", "graphics", "presentation", "spreadsheet", "chart", "formula", "image"} {
		add("application/vnd.oasis.opendocument."+kind, 110, odf+kind+notDash)
		add("application/vnd.oasis.opendocument."+kind+"-template", 120, odf+kind+`-template`)
	}
	// The template of images is the one odd one out in strength order;
	// text has two more variants.
	add("application/vnd.oasis.opendocument.text-web", 70, odf+`text-web`)
	add("application/vnd.oasis.opendocument.text-master", 100, odf+`text-master`)
	add("application/vnd.oasis.opendocument.database", 110, odf+`database`)

	// Video.
	add("video/x-flv", 60, `FLV`)
	add("video/x-fli", 50, `.{4}\x11\xaf`)
	add("video/x-flc", 50, `.{4}\x12\xaf`)
	add("video/mj2", 70, jp2Box+`mjp2`)
	add("video/x-mng", 70, `\x8aMNG`)
	add("video/x-jng", 70, `\x8bJNG`)
	add("video/mpeg", 50, `\x00\x00\x01[\xb0-\xbb]`)
	add("video/mpv", 71, `\x00\x00\x01\xb3`)
	add("video/h264", 41, `\x00\x00\x00\x01[\x07\x27\x47\x67\x87\xa7\xc7\xe7]`)
	add("video/webm", 70, `\x1a\x45\xdf\xa3.*B\x82.webm`)
	add("video/x-matroska", 110, `\x1a\x45\xdf\xa3.*B\x82.matroska`)
	add("video/mp2p", 21, `\x00\x00\x01\xba[\x40-\x7f\xc0-\xff]`)
	add("video/mp2t", 40, `(\x47.{187}){4}`)
	add("video/x-sgi-movie", 70, `MOVI`)
	add("video/quicktime", 70, `....(mdat|moov)`)
	add("video/mp4", 70, `....ftyp(isom|mp4[12])`)
	add("video/3gpp", 60, `....ftyp(3g[egps2]|avc1|mmp4)`)

	// Scripts and source code.
	add("text/x-shellscript", 250, shebang+`(ba|tc|c|z|fa|ae|k)?sh`)
	add("text/x-perl", 60, shebang+`perl`)
	add("text/x-ruby", 60, shebang+`ruby`)
	add("text/x-python", 60, shebang+`python`)
	add("text/x-awk", 60, shebang+`[gn]?awk`)
	add("text/x-tcl", 60, shebang+`(wish|tcl)`)
	add("text/x-lua", 49, shebang+`lua`)
	add("application/javascript", 60,
		shebang+`node(js)?`,
		sp+`*<`+ci("script")+`[[:blank:]]+(`+ci("type")+`|`+ci("language")+`)=['"]?(`+ci("text")+`\/)?`+ci("javascript"),
		sp+`*for \(;;\);`,
		sp+`*document\.write(ln)?[:abkln]?\(`,
		`\(function\(\)[[:blank:]\n]*\{`,
		sp+`*<script>`+sp+`*(var|function) `)
	add("text/x-php", 60, shebang+`php`)
	add("text/x-php", 40, `.*<\?php`)
	add("text/x-msdos-batch", 110, `@ *`+ci("echo")+` {1,}`+ci("off"))
	add("text/x-msdos-batch", 60, `@`+ci("rem"))
	add("text/x-msdos-batch", 70, `@`+ci("set")+` {1,}`)
	add("text/x-m4", 40, `dnl `)

	// Python bytecode: two magic bytes per release, then CR LF.
	for _, p := range []string{
		`(\xfc\xc4|\x99\x4e)`,
		`(\x87\xc6|[\x2a\x2d]\xed|[\x3b\x45\x59\x63\x6d\x77\x81\x8b\x8c\x95\x9f\xa9\xb3\xc7\xd1\xdb\xe5\xef\xf9]\xf2|\x03\xf3)`,
		`([\xb8\xc2\xcc\xd6\xe0\xea\xf4\xf5\xff]\x0b|[\x09\x13\x1d\x1f\x27\x3b]\x0c)`,
		`[\x45\x4f]\x0c`, `[\x58\x62\x6c]\x0c`, `[\x76\x80\x94\x9e]\x0c`, `[\xb2\xcc\xc6\xd0\xda\xe4\xee]\x0c`,
		`(\xf8\x0c|[\x02\x0c\x16\x17]\x0d)`,
		`[\x20\x21\x2a-\x2d\x2f-\x33]\x0d`, `[\x3e-\x42]\x0d`, `[\x48\x49\x52-\x55]\x0d`, `[\x5c-\x61]\x0d`,
		`[\x66-\x6f]\x0d`, `[\x7a-\xa7]\x0d`, `[\xac-\xcb]\x0d`, `[\xde-\xf3]\x0d`, `[\x10-\x19]\x0e`,
	} {
		add("application/x-python-bytecode", 80, p+pycEnd)
	}

	r = append(r, libmagicRules()...)
	return r
}

// utf16le spells s in UTF-16LE (ASCII only) for a pattern.
func utf16le(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteString(esc(s[i]) + `\x00`)
	}
	return b.String()
}
