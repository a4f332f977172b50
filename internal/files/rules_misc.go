package files

// libmagicRules are the rules for the many formats that Zeek's file-magic
// set took over from libmagic's database (libmagic.sig there): documents,
// mail and news, audio, databases, and assorted data formats. A few of
// Zeek's rules in that set can never match (a "^" after the first byte
// asks for the beginning of the file in the middle of it); they are left
// out here, which gives the same result.
func libmagicRules() []magicRule {
	var r []magicRule
	add := func(mime string, strength int, patterns ...string) {
		for _, p := range patterns {
			r = append(r, magicRule{mime, strength, p})
		}
	}

	// Keys, signatures and archives in text form.
	add("application/pgp-keys", 330, `.{2}---BEGIN PGP PUBLIC KEY BLOCK-`)
	add("application/mac-binhex40", 320, `.{11}must be converted with BinHex`)
	add("application/pgp-signature", 280, `-----BEGIN PGP SIGNATURE-`)
	add("application/x-shar", 280, `.{10}# This is a shell archive`)
	add("application/pgp", 260, `-----BEGIN PGP MESSAGE-`)
	add("application/x-scribus", 260, `<SCRIBUSUTF8NEW Version`)
	add("text/x-php", 37, `<\?php \/\* Smarty version.[0-9.]+`)
	add("application/x-freeplane", 260, `<map ?version=\x22freeplane`)
	add("application/x-svr4-package", 230, `# PaCkAgE DaTaStReAm`)
	add("application/x-kdelnk", 220, `\[KDE Desktop Entry\]`)
	add("application/x-kdelnk", 200, `# KDE Config File`)
	add("audio/x-wav", 190, `RF64\xff\xff\xff\xffWAVEds64`)
	add("audio/x-w64", 190, `riff\x2e\x91\xcf\x11\xa5\xd6\x28\xdb\x04\xc1\x00\x00.{8}wave\xf3\xac\xd3\x11\x8c\xd1\x00\xc0O\x8e\xdb\x8a`)
	add("application/x-dosexec", 190, `.{369}MICROSOFT PIFEX\x00`)
	add("model/vrml", 190, `#VRML ?V1\.0 ?ascii`)
	add("audio/x-mod", 190, `Extended Module:`)
	xmlVersion := `<\?xml version=\x22`
	add("model/x3d", 43, xmlVersion+`.{5}.*<!DOCTYPE ?X3D`)
	add("application/xml-sitemap", 37, xmlVersion+`[^\x00].{3}.*<urlset`)
	add("image/svg+xml", 38, xmlVersion+`[^\x00].{3}.*<svg`)
	add("application/x-gnucash", 37, xmlVersion+`[^\x00].{3}.*<gnc-v2`)
	add("text/calendar", 180, `BEGIN:VCALENDAR`)
	add("model/vrml", 180, `#VRML ?V2\.0 ?utf8`)
	add("audio/x-mod", 20, `MAS_UTrack_V00\/0`)
	add("image/x-canon-crw", 170, `II\x1a\x00\x00\x00HEAPCCDR`)
	add("message/rfc822", 170, `Relay-Version:`)
	for i, kind := range []string{"hash", "btree", "fixed", "table"} {
		add("application/x-tokyocabinet-"+kind, 40, `ToKyO CaBiNeT\x0a.{18}`+esc(byte(i)))
	}
	add("application/x-gnumeric", 160, `.{39}<gmr:Workbook`)
	add("message/rfc822", 160, ci("delivered-to")+`:`)
	add("message/rfc822", 150, ci("return-path")+`:`)
	add("application/x-freemind", 150, `<map ?version`)
	add("application/x-ia-arc", 140, `filedesc:\/\/`)
	add("application/x-sc", 140, `.{38}Spreadsheet`)
	add("application/x-bittorrent", 140, `d8:announce`)
	add("text/x-vcard", 140, `BEGIN:VCARD`)
	add("message/rfc822", 130, `Forward to`)
	add("image/x-canon-cr2", 130, `II\x2a\x00\x10\x00\x00\x00CR`)
	add("application/x-mif", 130, `<MakerFile`)
	add("text/x-diff", 55, `.*--- .*\x0a.*\+\+\+ .*\x0a.*@@`)
	add("application/x-mif", 120, `<BookFile`)
	add("message/rfc822", 120, `N#! rnews`)
	add("application/vnd.lotus-wordpro", 120, `WordPro\x0d\xfb`)
	add("application/vnd.fdo.journal", 80, `LPKSHHRH.{8}[\x00-\x03].{7}([^\x00]{8}){6}`)
	add("message/rfc822", 110, `#! rnews`)
	add("audio/x-mod", 110, `.{21}!SCREAM!`, `.{21}BMOD2STM`)
	add("application/x-ms-reader", 1, `ITOLITLS.{4}`)
	add("application/x-hdf", 110, `\x89HDF\x0d\x0a\x1a\x0a`)
	add("application/x-mif", 110, `<MIFFile`)
	add("application/vnd.lotus-wordpro", 110, `WordPro\x00`)
	add("message/news", 100, `Article`)
	add("message/rfc822", 100, `Pipe to`)
	add("application/vnd.rn-realmedia", 100, `\.RMF\x00\x00\x00`)
	// Netpbm with binary samples: magic, one separator, width, height.
	for _, p := range []struct{ mime, magic string }{
		{"image/x-portable-greymap", "P5"}, {"image/x-portable-pixmap", "P6"}, {"image/x-portable-bitmap", "P4"},
	} {
		add(p.mime, 42, p.magic+`.[0-9]{1,50}  [0-9]{1,50}`)
	}
	add("application/x-mif", 90, `<Maker`)
	add("text/x-xmcd", 90, `# xmcd`)
	add("application/x-quark-xpress-3", 90, `.{2}MMXPR3`)
	// Netpbm in ASCII, anywhere in the beginning.
	for _, p := range []struct{ mime, magic string }{
		{"image/x-portable-bitmap", "P1"}, {"image/x-portable-pixmap", "P3"}, {"image/x-portable-greymap", "P2"},
	} {
		add(p.mime, 42, `.*`+p.magic+`[0-9]{1,50}  [0-9]{1,50}`)
	}
	add("application/vnd.google-earth.kml+xml", 61, `<\?xml.{15}.* xmlns=['"]http:\/\/earth.google.com\/kml`)
	add("application/vnd.google-earth.kml+xml", 60, `<\?xml.{15}.* xmlns=['"]http:\/\/www.opengis.net\/kml`)
	add("application/pdf", 80, `%PDF-`)
	add("message/news", 80, `Path:`, `Xref:`)
	add("message/rfc822", 80, `From:`)
	add("text/rtf", 80, `\{\\rtf`)
	add("application/vnd.fdf", 80, `%FDF-`)
	add("application/vnd.google-earth.kmz", 100, `PK\x03\x04\x14.{25}doc\.kml`)
	add("application/epub+zip", 110, `PK\x03\x04.{22}\x08\x00\x00\x00mimetypeapplication\/epub\+zip`)

	// ISO base media and other boxed formats.
	add("image/x-quicktime", 70, `....idsc`)
	add("application/x-quicktime-player", 70, `....pckg`)
	add("audio/mp4", 60, `....ftypM4A`)
	add("video/mp4", 60, `....ftypM4V`)
	add("video/quicktime", 50, `....ftypqt`)

	// Audio and more.
	add("audio/x-hx-aac-adif", 70, `ADIF`)
	add("video/x-ms-asf", 70, `\x30\x26\xb2\x75`)
	add("audio/x-ape", 70, `MAC `)
	add("audio/x-aiff", 70, `FORM.{4}(AIFF|AIFC|8SVX)`)
	add("audio/x-flac", 70, `fLaC`)
	add("application/dicom", 70, `.{128}DICM`)
	add("audio/x-mod", 70, `IMPM`)
	add("application/x-hdf", 70, `\x0e\x03\x13\x01`)
	add("image/x-lss16", 70, `\x3d\xf3\x13\x14`)
	add("audio/x-pn-realaudio", 70, `\.ra\xfd`)
	add("audio/midi", 70, `MThd`)
	// Sun/NeXT audio: little-endian DEC variant and the big-endian
	// original, by encoding.
	add("audio/x-dec-basic", 70, `\.sd\x00.{8}[\x01-\x07\x17]\x00\x00\x00`)
	add("audio/basic", 70, `\.snd.{8}\x00\x00\x00[\x01-\x07]`)
	add("audio/x-adpcm", 70, `\.snd.{8}\x00\x00\x00\x17`)
	add("x-epoc/x-sisx-app", 70, `\x7a\x1a\x20\x10`)
	add("application/vnd.symbian.install", 70, `.{8}\x19\x04\x00\x10`)
	add("audio/x-wav", 70, `RIFF.{4}WAVE`)
	add("video/x-msvideo", 70, `RIFF.{4}AVI `)
	// EPOC (Psion) files: UIDs 1, 2 and 3.
	epoc := func(uid2, uid3 string) string { return `\x37\x00\x00\x10` + uid2 + uid3 }
	add("application/x-epoc-agenda", 70, `\x50\x00\x00\x10\x6d\x00\x00\x10\x84\x00\x00\x10`)
	add("application/x-epoc-data", 70, `\x50\x00\x00\x10\x6d\x00\x00\x10\x86\x00\x00\x10`)
	add("application/x-epoc-jotter", 70, `\x50\x00\x00\x10\x6d\x00\x00\x10\xea\x0c\x00\x10`)
	add("image/x-epoc-mbm", 70, epoc(`\x42\x00\x00\x10`, ``))
	add("image/x-epoc-sketch", 70, epoc(`\x6d\x00\x00\x10`, `\x7d\x00\x00\x10`))
	add("application/x-epoc-word", 70, epoc(`\x6d\x00\x00\x10`, `\x7f\x00\x00\x10`))
	add("application/x-epoc-opl", 70, epoc(`\x6d\x00\x00\x10`, `\x85\x00\x00\x10`))
	add("application/x-epoc-sheet", 70, epoc(`\x6d\x00\x00\x10`, `\x88\x00\x00\x10`))
	add("application/x-epoc-opo", 70, epoc(`\x73\x00\x00\x10`, ``))
	add("application/x-epoc-app", 70, epoc(`\x74\x00\x00\x10`, ``))
	add("application/x-dbm", 70, `(\x61\x15\x06\x00|\x00\x06\x15\x61)`)
	add("application/x-gdbm", 70, `GDBM`, `\xce\x9a\x57\x13`, `\x13\x57\x9a\xce`)
	add("application/x-mif", 70, `<MML`)
	add("application/ogg", 70, `OggS`)
	for i, v := range []string{"4", "5", "6"} {
		add("application/x-ichitaro"+v, 40, `DOC.{40}`+esc(byte(0x14+i)))
	}
	add("application/vnd.cups-raster", 40, `3SaR`, `RaS3`)
	add("audio/x-musepack", 60, `MP\+`)
	add("application/postscript", 60, `\x04%!`)
	add("application/postscript", 50, `%!`)
	add("application/x-pgp-keyring", 50, `(\x99\x00|\x95[\x00\x01])`)
	add("text/PGP", 50, `(\xa6\x00|\x85\x02)`)
	add("application/marc", 50, `[0-9]{5}[acdn]w`)
	add("audio/x-mp4a-latm", 50, `\x56[\xe0-\xff]`)
	add("audio/x-hx-aac-adts", 50, `\xff[\xf0\xf1\xf8\xf9]`)
	add("application/x-gnupg-keyring", 50, `\x99\x01`)
	add("application/x-dvi", 50, `\xf7\x02`)
	add("audio/vnd.dolby.dd-raw", 50, `\x0b\x77`)
	// Windows setup scripts (INF): a first line that starts a section or
	// a comment, then a [Version] or [Strings] section, also in UTF-16.
	infLead := "`" + `(\x0d\x0a|;|[[]|\xff\xfe).*\[`
	u16 := func(word string) string {
		var s string
		for i := 0; i < len(word); i++ {
			lo, up := word[i]|0x20, word[i]&^0x20
			s += `\x00[` + esc(up) + esc(lo) + `]`
		}
		return s
	}
	add("application/x-setupscript", 110, infLead+u16("VERSION")+`\x00\]`)
	// A [Strings] section in UTF-16 — as Zeek spells it, with one
	// character of a small set between "STR" and "GS".
	add("application/x-setupscript", 110, infLead+`\x00[Ss]\x00[Tt]\x00[Rr]\x00[\x49\x69\x29\x28\x00\x5b\x4e\x6e]\x00[Gg]\x00[Ss]\x00\]`)
	add("application/x-setupscript", 100, infLead+`.*\[`+ci("version"))
	add("application/x-setupscript", 110, infLead+`.*\[`+u16("VERSION")+`\x00\]`)
	add("text/x-po", 37, `msgid `)
	return r
}
