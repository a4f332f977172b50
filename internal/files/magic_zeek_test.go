package files

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/signatures"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
)

// magicSamples are beginnings of files of many formats, written for these
// tests from the formats' specifications.
var magicSamples = []string{
	"", "a", "hello", "hello world, this is text\n", "\xef\xbb\xbfplain text with a BOM",
	"\xff\xfeh\x00e\x00l\x00l\x00o\x00 \x00w\x00o\x00r\x00", "\xfe\xff\x00h\x00e\x00l\x00l\x00o",
	"{\"key\": \"value\", \"n\": 1}", "  {\n  \"a\": [1,2]}", "[1, 2, 3]", "[\"a\",\"b\"]", "[{\"x\":1}]", "{}", "[]",
	"{key: true}", "<?xml version=\"1.0\"?><root/>", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\">",
	"<!DOCTYPE html><html><head>", "<!doctype HTML>", "<html>", "  \r\n<HTML>", "<head><title>x</title>",
	"<!-- comment --><html>", "<?xml version=\"1.0\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0\">",
	"<meta http-equiv=\"refresh\">", "<body>hi</body>", "<title>t</title>", "<TITLE>x</TITLE>",
	"<feed xmlns=\"http://www.w3.org/2005/Atom\">", "<?xml version=\"1.0\"?><feed xmlns='http://www.w3.org/2005/Atom'>",
	"<rss xmlns:atom=\"http://x\">", "<soap:Envelope xmlns:soap=\"x\">", "<SOAP-ENV:Envelope>",
	"<cross-domain-policy>", "<!DOCTYPE cross-domain-policy SYSTEM>", "<methodResponse><params>",
	"<CFSET x=1>", "<manifest xmlns=\"http://ns.adobe.com/f4m/1.0\">", "[section]\r\nkey=value\r\n", "[a]\n",
	"L\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00F", "PReg\x01", "REGEDIT4\r\n",
	"\xff\xfeW\x00i\x00n\x00d\x00o\x00w\x00s\x00 \x00R\x00e\x00g\x00i\x00s\x00t\x00r\x00y\x00 \x00E\x00d\x00i\x00t\x00o\x00r\x00 \x00V\x00e\x00r\x00s\x00i\x00o\x00n\x00 \x005\x00.\x000\x000\x00",
	"regf\x01\x00", "!BDN\x01\x02\x03\x04\x05\x06\x0e\x01", "AFP\x00", "0\x82\x01\x0b0\x81\xf8\xa0\x03\x02\x01\x00\x06\x05\x2b\x0e\x03\x02\x1a",
	"0\x82\x06\x0b\x0a\x01\x00\xa0\x82\x06\x04\x30\x82\x06\x00\x06\x09\x2b\x06\x01\x05\x05\x07\x30\x01\x01",
	"FWS\x0a", "CWS\x0a", "ZWS\x0a", "\x78\x9f\x3e\x22", "MIME-Version: 1.0\r\nContent-Type: multipart/signed; protocol=\"application/pkcs7-signature\"",
	"-----BEGIN CERTIFICATE-----\nMIIB", "\xd4\xc3\xb2\xa1\x02\x00\x04\x00", "\xa1\xb2\xc3\xd4", "\x0a\x0d\x0d\x0a\x1c\x00\x00\x00\x4d\x3c\x2b\x1a",
	"solid cube\n", "DDS |", "BSDIFF40", "DIFF1234", "KLZF", "KLD2", "MSSQLBAK", "TAPE", "bplist00", "ITSF\x03", "MPQ\x1a",
	"BLTE", "VMP4", "Cr24\x02", "CrOD", "MSQM", "b0VIM 8.0", "MDMP\x93\xa7",
	"II*\x00\x08\x00", "MM\x00*", "GIF89a\x01\x00", "GIF87a", "\xff\xd8\xff\xe0\x00\x10JFIF", "BM6\x00\x00\x00\x00\x00\x00\x006\x00\x00\x00(\x00",
	"\x00\x00\x01\x00\x01\x00", "\x00\x00\x02\x00", "8BPS\x00\x01", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "\x00\x00\x00\x0cftypjp2 ",
	"\x00\x00\x00\x0cjP  \r\n\x87\n\x00\x00\x00\x14ftypjp2 ", "\x00\x00\x00\x0cjP  \r\n\x87\n\x00\x00\x00\x14ftypjpx ",
	"\x00\x00\x00\x0cjP  \r\n\x87\n\x00\x00\x00\x14ftypmjp2", "Xcur", "IIN1", "v/1\x01", "SDPX", "CPC\xb2", "IIRO", "MMOR", "FOVb", "PDN3",
	"RIFF\x00\x00\x00\x00CDR6", "P7\n", "P5 10  20", "P6\n640  480", "P1 5  5\n", "xxP3 12  34", "AT&TFORM\x00\x00\x00\x00DJVU", "AC1015", "AC2.1", "gimp xcf file",
	"[BitmapInfo2]", "AWBM", "\x11\x06", "RIFF\x00\x00\x00\x00WEBPVP8 ", "RIFF\x00\x00\x00\x00WAVEfmt ", "RIFF\x00\x00\x00\x00AVI LIST",
	"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", "MZ" + strings.Repeat("\x00", 28) + "PKLITE Copr.", "MZ" + strings.Repeat("\x00", 34) + "LHa's SFX",
	"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00>\x00", "\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00",
	"\x7fELF\x02\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01", "\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04\x00",
	"\xcf\xfa\xed\xfe", "\xca\xfe\xba\xbe\x00\x00\x00\x02", "\xca\xfe\xba\xbe\x00\x00\x00\x34", "\xca\xfe\xd0\x0dx", ";ELC\x17\x00",
	"PK\x03\x04\x14\x00\x00\x00\x08\x00", "PK\x03\x04\x14\x00\x06\x00", "PK\x07\x08PK\x03\x04", "Rar!\x1a\x07\x00", "\x1f\x8b\x08\x00",
	"MSCF\x00\x00\x00\x00", "xar!\x00\x1c", "\xed\xab\xee\xdb", "drpm", "!<arch>\ndebian-binary", "!<arch>\n", "<ar>", "SIT!", "StuffIt",
	"\x1e\xe7\xff\x00", "ZOO 2.10 Archive.\x1a\x00\x00\xdc\xa7\xc4\xfd", "\x04\x22\x4d\x18", "\x02\x21\x4c\x18", "LRZI", "LZIP",
	"\x00\x00-lh5-", "WARC/1.0", "7z\xbc\xaf\x27\x1c", "\xfd7zXZ\x00", "\x60\xea", "\xc7\x71", "\x71\xc7", "\x1f\x9d", "\x5d\x00\x00\x80",
	"1234567**ACE**", "BZh91AY", "ID3\x03", "\xff\xfb\x90", "\x00\x00\x00\x20ftypm4a ", "\x00\x00\x00\x20ftypM4A ", "\x00\x00\x00\x20ftypM4V ",
	"\x00\x00\x00\x20ftypqt  ", "\x00\x00\x00\x20ftypisom", "\x00\x00\x00\x20ftypmp42", "\x00\x00\x00\x20ftyp3gp4", "\x00\x00\x00\x20ftypavc1",
	"\x00\x00\x00\x08mdat", "\x00\x00\x00\x08moov", "\x00\x00\x00\x08idsc", "\x00\x00\x00\x08pckg",
	"wOF2", "wOFF", "\x00\x01\x00\x00\x00", "OTTO", "<MakerScreenFont", "SplineFontDB: 3.0", "<jnlp spec=\"1.0\">",
	"\xfe\xed\xfe\xed", "\xce\xce\xce\xce", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
	"PK\x03\x04" + strings.Repeat("\x00", 26) + "[Content_Types].xml" + "\x00\x00PK\x03\x04" + strings.Repeat("\x00", 26) + "word/document.xml",
	"PK\x03\x04" + strings.Repeat("\x00", 26) + "_rels/.rels" + "PK\x03\x04" + strings.Repeat("\x00", 26) + "xl/workbook.xml",
	"PK\x03\x04" + strings.Repeat("\x00", 26) + "ppt/x" + "PK\x03\x04" + strings.Repeat("\x00", 26) + "ppt/slides",
	"\x00\x01\x00\x00Standard Jet DB\x00", "PK\x03\x04" + strings.Repeat("\x00", 22) + "\x08\x00\x00\x00mimetypeapplication/vnd.oasis.opendocument.textPK",
	"PK\x03\x04" + strings.Repeat("\x00", 22) + "\x08\x00\x00\x00mimetypeapplication/vnd.oasis.opendocument.text-template",
	"PK\x03\x04" + strings.Repeat("\x00", 22) + "\x08\x00\x00\x00mimetypeapplication/vnd.oasis.opendocument.spreadsheet\x00",
	"PK\x03\x04" + strings.Repeat("\x00", 22) + "\x08\x00\x00\x00mimetypeapplication/vnd.oasis.opendocument.database",
	"PK\x03\x04" + strings.Repeat("\x00", 22) + "\x08\x00\x00\x00mimetypeapplication/epub+zip",
	"PK\x03\x04\x14" + strings.Repeat("\x00", 25) + "doc.kml", "PK\x03\x04\x14\x00\x00\x00\x08\x00" + strings.Repeat("a", 30) + "\x14\x00\x00\x00META-INF/MANIFEST.MF",
	"FLV\x01", "\x00\x00\x00\x00\x11\xaf", "\x00\x00\x00\x00\x12\xaf", "\x8aMNG", "\x8bJNG", "\x00\x00\x01\xba\x44", "\x00\x00\x01\xb3",
	"\x00\x00\x00\x01\x67", "\x1a\x45\xdf\xa3\x01\x00B\x82\x84webm", "\x1a\x45\xdf\xa3\x01\x00B\x82\x88matroska", "MOVI",
	"#!/bin/sh\necho", "#!/usr/bin/env bash\n", "#!/usr/bin/perl -w", "#!/usr/bin/env ruby", "#!/usr/bin/python3", "#!/usr/bin/awk -f",
	"#!/usr/bin/wish", "#!/usr/bin/lua", "#!/usr/bin/env node", "#!/usr/bin/php", "<?php echo 1; ?>", "text then <?php",
	"<script type=\"text/javascript\">", "  <SCRIPT language='JavaScript'>", "for (;;);{\"x\":1}", "document.write(\"x\")",
	"document.writeln(1)", "(function() {", "<script>\nvar x = 1;", "@echo off\r\n", "@ECHO  OFF", "@rem comment", "@set x=1", "dnl m4 comment",
	"\x03\xf3\r\n", "\x42\x0d\r\n", "\x6f\x0d\r\n", "\xa7\x0d\r\n", "\xcb\x0d\r\n", "\xf3\x0d\r\n", "\x10\x0e\r\n",
	"xx-----BEGIN PGP PUBLIC KEY BLOCK-----", "(This file must be converted with BinHex 4.0)", "-----BEGIN PGP SIGNATURE-----",
	"#!/bin/sh\n# This is a shell archive", "-----BEGIN PGP MESSAGE-----", "<SCRIBUSUTF8NEW Version", "<map version=\"freeplane 1.2\">",
	"# PaCkAgE DaTaStReAm", "[KDE Desktop Entry]", "# KDE Config File", "RF64\xff\xff\xff\xffWAVEds64", "#VRML V1.0 ascii",
	"Extended Module: x", "<?xml version=\"1.0\"?>\n<!DOCTYPE X3D>", "<?xml version=\"1.0\"?>\n<urlset>", "<?xml version=\"1.0\"?>\n<svg xmlns>",
	"<?xml version=\"1.0\"?>\n<gnc-v2>", "BEGIN:VCALENDAR\r\n", "#VRML V2.0 utf8", "MAS_UTrack_V00/0", "II\x1a\x00\x00\x00HEAPCCDR",
	"Relay-Version: 1", "ToKyO CaBiNeT\n" + strings.Repeat("x", 18) + "\x01", "Delivered-To: a@b", "Return-Path: <a@b>", "<map version",
	"filedesc://x", "d8:announce", "BEGIN:VCARD", "Forward to x", "II*\x00\x10\x00\x00\x00CR", "<MakerFile", "--- a\n+++ b\n@@ -1 +1 @@",
	"diff -u x y\n--- x\n+++ y\n@@", "<BookFile", "N#! rnews", "WordPro\r\xfb", "#! rnews", "\x89HDF\r\n\x1a\n", "<MIFFile", "Article 12",
	"Pipe to x", ".RMF\x00\x00\x00", "<Maker", "# xmcd", "xxMMXPR3", "<?xml version=\"1.0\"?>\n<kml xmlns=\"http://earth.google.com/kml/2.2\">",
	"%PDF-1.7\n", "Path: a!b", "Xref: x", "From: a@b\r\n", "{\\rtf1\\ansi", "%FDF-1.2", "ADIF", "\x30\x26\xb2\x75", "MAC \x96",
	"FORM\x00\x00\x00\x00AIFF", "FORM\x00\x00\x00\x00AIFC", "fLaC\x00", strings.Repeat("\x00", 128) + "DICM", "IMPM", "MThd\x00\x00\x00\x06",
	".snd\x00\x00\x00\x18\x00\x00\x00\x00\x00\x00\x00\x02", ".sd\x00\x18\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00", "OggS\x00\x02",
	"GDBM", "3SaR", "RaS3", "MP+\x07", "\x04%!PS", "%!PS-Adobe-3.0", "12345aw", "\x99\x00", "\x95\x01", "\xa6\x00", "\x56\xe0", "\xff\xf1",
	"\xf7\x02", "\x0b\x77", "msgid \"\"", ";comment\r\n[Version]\r\n", "\r\n[x]\r\n[version]",
	"`\r\nxx[\x00S\x00T\x00R\x00N\x00G\x00S\x00]", "`;[\x00V\x00E\x00R\x00S\x00I\x00O\x00N\x00]", "`[x[VERSION]",
	"\x00", "\x00\x00\x00\x00", strings.Repeat("\x00", 200), "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b",
}

// zeekMagic compiles Zeek's own file-magic signatures from a checkout (read
// in place), for comparison only.
func zeekMagic(t *testing.T) *signatures.Set {
	dir := filepath.Join(refdata.ZeekSource(t), "scripts", "base", "frameworks", "files", "magic")
	files, err := filepath.Glob(filepath.Join(dir, "*.sig"))
	if err != nil || len(files) == 0 {
		t.Skipf("no magic signatures in %s", dir)
	}
	var all []*signatures.Signature
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sigs, err := signatures.ParseBytes(b, filepath.Base(f))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, sigs...)
	}
	set, err := signatures.Compile(all)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// variants makes more inputs from a sample: cut short, followed by text,
// by binary, by a second sample.
func variants(s string, r *rand.Rand) []string {
	out := []string{s, s + "\n", s + " more text follows here and there", s + "\x00\x01\x02\xff\xfe"}
	if len(s) > 3 {
		out = append(out, s[:len(s)-1], s[:len(s)/2])
	}
	b := []byte(s + strings.Repeat(" padding text ", 4))
	for i := 0; i < 3 && len(b) > 0; i++ {
		c := append([]byte(nil), b...)
		c[r.IntN(len(c))] = byte(r.UintN(256))
		out = append(out, string(c))
	}
	return out
}

// TestMagicAgainstZeek compares Heron's verdicts with those of Zeek's
// signatures on the samples and their variants, and on any files in
// $HERON_MAGIC_SAMPLES (for example extract_files/ of a run over
// traces): same strongest type, same set of matches.
func TestMagicAgainstZeek(t *testing.T) {
	zm := zeekMagic(t).NewMatcher()
	mine := NewSniffer()
	r := rand.New(rand.NewPCG(1, 2))
	var inputs []string
	for _, s := range magicSamples {
		inputs = append(inputs, variants(s, r)...)
	}
	if dir := os.Getenv("HERON_MAGIC_SAMPLES"); dir != "" {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err == nil {
				inputs = append(inputs, string(b[:min(len(b), 4096)]))
			}
		}
	}
	bad := 0
	for _, in := range inputs {
		want := zm.FileMagic([]byte(in), nil)
		got := mine.Matches([]byte(in))
		if !sameMatches(want, got) {
			bad++
			if bad <= 20 {
				t.Errorf("%q:\n  zeek  %s\n  heron %s", trim(in), fmtMatches(want), fmtMatches(got))
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d inputs differ", bad, len(inputs))
	}
}

func sameMatches(a, b []signatures.MIMEMatch) bool {
	return slices.Equal(a, b)
}

func fmtMatches(m []signatures.MIMEMatch) string {
	var s []string
	for _, x := range m {
		s = append(s, fmt.Sprintf("%s/%d", x.MIME, x.Strength))
	}
	return "[" + strings.Join(s, " ") + "]"
}

func trim(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

var _ = bytes.Equal
