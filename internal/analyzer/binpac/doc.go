// Package binpac words parse failures as the exceptions of binpac, the
// parser generator behind many of Zeek's analyzers, so that the
// violations Heron's hand-written parsers report (in analyzer.log and
// analyzer_debug.log) read exactly as Zeek's do.
//
// Each constructor returns an Error holding the text binpac's exception
// carries (the part after "binpac exception: "); Reason turns any error
// into the violation reason Zeek's analyzers give for one. The formatted
// part of a message is cut as binpac's fixed formatting buffer cuts it
// (MaxFormatted).
//
// Where a message names a .pac file, binpac writes the absolute path of
// Zeek's build tree, which differs from build to build; a Source is the
// path relative to the tree's root instead.
package binpac
