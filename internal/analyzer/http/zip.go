package http

import "github.com/heron-nsm/heron/internal/files"

// inflater decodes gzip and deflate content codings as Zeek's ZIP
// support analyzer does: zlib with automatic zlib/gzip header detection;
// when a piece of input fails before anything was decoded from it, the
// stream is restarted as raw DEFLATE from that piece (servers that send
// "deflate" without the zlib header); any other failure raises
// inflate_failed and ends decoding. After the end of the stream further
// content is ignored.
type inflater struct {
	z     *files.Inflater
	weird func(name string)
}

func newInflater(weird func(string)) *inflater {
	return &inflater{z: files.NewInflater(files.FormatAuto), weird: weird}
}

// write decodes the next piece of content; out gets the decoded bytes
// (borrowed for the call).
func (x *inflater) write(data []byte, out func([]byte)) {
	if len(data) == 0 || x.z.Status() != files.InflateOK {
		return
	}
	st, fulls := x.z.Write(data, out)
	if st == files.InflateDataError && fulls == 0 {
		x.z.Reset(files.FormatRaw)
		st, _ = x.z.Write(data, out)
	}
	if st == files.InflateDataError || st == files.InflateNeedDict {
		x.weird("inflate_failed")
	}
}
