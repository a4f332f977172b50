package packet

// WeirdSink receives the weirds that decoding raises. p is the packet as it
// stands when the weird is raised: p.IP.Valid tells whether the weird
// concerns a flow (its addresses) or the network as a whole, and
// p.TunnelDepth whether it happened inside a tunnel.
type WeirdSink interface {
	PacketWeird(p *Packet, name, addl, source string)
}

// Stats counts what the decoder saw.
type Stats struct {
	Packets    uint64            // packets decoded
	Unknown    [NumLayers]uint64 // packets that stopped for want of a next layer, by layer
	Weirds     uint64            // decoding stopped by a weird
	Layers     [NumLayers]uint64 // times each layer ran
	DepthLimit uint64            // packets that hit MaxDepth
}

// Decoder runs a packet through the layers. Each analysis thread has its
// own Decoder (layers may keep per-thread state, e.g. fragment reassembly
// and the connection table).
type Decoder struct {
	table   *Table
	layers  [NumLayers]Analyzer
	detect  [NumLayers][]detector
	weirds  WeirdSink
	pending [4]pendingWeird
	npend   int

	// inner holds the packets built for encapsulated payloads, one per
	// tunnel depth, with their encapsulation stacks.
	inner  []Packet
	stacks []EncapStack

	// MaxDepth is Zeek's PacketAnalyzer::max_depth: the longest chain of
	// layers one packet may run through (0: no limit).
	MaxDepth int

	Stats Stats
}

// NewDecoder returns a Decoder for the compiled table, reporting weirds to
// sink. Layers are installed with Set.
func NewDecoder(t *Table, sink WeirdSink) *Decoder {
	return &Decoder{table: t, weirds: sink, MaxDepth: 25}
}

// detector is a child layer found by looking at the payload (Zeek's
// DetectProtocol) rather than by identifier.
type detector struct {
	child LayerID
	match func(p *Packet, data []byte) bool
}

// SetDetector adds a child of parent that is chosen when match accepts the
// payload and no identifier matched (Zeek's protocol detection for packet
// analyzers, e.g. Teredo and AYIYA below UDP). Detectors run in the order
// they were added.
func (d *Decoder) SetDetector(parent, child LayerID, match func(p *Packet, data []byte) bool) {
	d.detect[parent] = append(d.detect[parent], detector{child, match})
}

// Set installs the implementation of a layer.
func (d *Decoder) Set(id LayerID, a Analyzer) { d.layers[id] = a }

// Has reports whether a layer has an implementation.
func (d *Decoder) Has(id LayerID) bool { return d.layers[id] != nil }

// Decode runs p through the layers, starting from the root with its link
// type.
func (d *Decoder) Decode(p *Packet) {
	d.Stats.Packets++
	d.Forward(p, LayerRoot, Key(p.LinkType), p.Data, 0)
}

// Forward continues decoding of p below layer parent with identifier key and
// the bytes that follow. depth is the number of layers run so far; tunnel
// layers that decode an inner packet call Forward themselves.
func (d *Decoder) Forward(p *Packet, parent LayerID, key Key, data []byte, depth int) {
	for {
		if key == Stop {
			return
		}
		var child LayerID
		if key != Default {
			child = d.table.Lookup(parent, uint64(key))
		}
		if child == LayerNone {
			child = d.table.Default(parent)
		}
		if child == LayerNone || d.layers[child] == nil {
			d.Stats.Unknown[parent]++
			return
		}
		var ok bool
		if parent, key, data, depth, ok = d.run(p, parent, child, data, depth); !ok {
			return
		}
	}
}

// run runs layer child (below parent) on data and returns what follows;
// ok is false when decoding ended.
func (d *Decoder) run(p *Packet, parent, child LayerID, data []byte, depth int) (LayerID, Key, []byte, int, bool) {
	if d.MaxDepth > 0 && depth >= d.MaxDepth {
		d.Stats.DepthLimit++
		d.report(p, "max_packet_analyzer_depth_exceeded", "", parent.Name())
		return 0, 0, nil, depth, false
	}
	depth++
	d.Stats.Layers[child]++
	p.depth = depth
	next, rest, err := d.layers[child].Analyze(p, data)
	d.flush(p, child)
	if err != nil {
		d.Stats.Weirds++
		if w, ok := err.(*Weird); ok {
			d.report(p, w.Name, w.Addl, child.Name())
		} else {
			d.report(p, "internal_decoder_error", err.Error(), child.Name())
		}
		return 0, 0, nil, depth, false
	}
	return child, next, rest, depth, true
}

// Dispatch hands data to the child of parent chosen by identifier key, by
// a detector, or as parent's default, and decodes on from there at p's
// current depth. It reports false, doing nothing, when parent has no such
// child: the caller goes on with its own work (as the UDP layer does with
// datagrams that carry no tunnel).
func (d *Decoder) Dispatch(p *Packet, parent LayerID, key Key, data []byte) bool {
	child := d.table.Lookup(parent, uint64(key))
	if child == LayerNone || d.layers[child] == nil {
		child = LayerNone
		for _, det := range d.detect[parent] {
			if d.layers[det.child] != nil && det.match(p, data) {
				child = det.child
				break
			}
		}
	}
	if child == LayerNone {
		child = d.table.Default(parent)
	}
	if child == LayerNone || d.layers[child] == nil {
		return false
	}
	depth := p.depth
	parent, key, data, depth, ok := d.run(p, parent, child, data, depth)
	if ok {
		d.Forward(p, parent, key, data, depth)
	}
	return true
}

// InnerPacket returns the packet that carries an encapsulated payload of
// outer: data (a part of outer's frame, or of a buffer that outlives the
// call) with the given link type, arriving through outer's tunnels and
// then ec. The packet belongs to the decoder and is valid until outer's
// decoding ends; ok is false when the encapsulation stack is full.
func (d *Decoder) InnerPacket(outer *Packet, data []byte, linkType uint32, ec *EncapConn) (inner *Packet, ok bool) {
	n := outer.Encap.Len()
	if n >= MaxEncapDepth {
		return nil, false
	}
	if d.inner == nil {
		d.inner = make([]Packet, MaxEncapDepth)
		d.stacks = make([]EncapStack, MaxEncapDepth)
	}
	st := &d.stacks[n]
	st.CopyFrom(outer.Encap)
	st.Push(*ec)
	inner = &d.inner[n]
	*inner = Packet{
		TS:          outer.TS,
		Data:        data,
		LinkType:    linkType,
		TunnelDepth: n + 1,
		Encap:       st,
		depth:       outer.depth,
	}
	// The inner packet's wire length keeps what the outer capture cut
	// off (Zeek's build_inner_packet).
	consumed := len(outer.Data) - len(data)
	if consumed >= 0 && int(outer.WireLen) >= consumed {
		inner.WireLen = outer.WireLen - uint32(consumed)
	} else {
		inner.WireLen = uint32(len(data))
	}
	return inner, true
}

type pendingWeird struct {
	Weird
	bare bool
}

// Raise queues a weird that does not stop decoding. It is reported, with
// the raising layer as its source, as soon as the layer returns. At most a
// few are kept per layer call.
func (d *Decoder) Raise(name, addl string) { d.queue(name, addl, false) }

// RaiseBare is Raise for weirds that Zeek reports without a source (e.g.
// the IPv6 header chain's routing0_hdr).
func (d *Decoder) RaiseBare(name, addl string) { d.queue(name, addl, true) }

func (d *Decoder) queue(name, addl string, bare bool) {
	if d.npend < len(d.pending) {
		d.pending[d.npend] = pendingWeird{Weird{Name: name, Addl: addl}, bare}
		d.npend++
	}
}

// RaiseFrom reports a weird at once, with an explicit source ("" for none).
func (d *Decoder) RaiseFrom(p *Packet, name, addl, source string) {
	d.report(p, name, addl, source)
}

func (d *Decoder) flush(p *Packet, layer LayerID) {
	for i := 0; i < d.npend; i++ {
		src := layer.Name()
		if d.pending[i].bare {
			src = ""
		}
		d.report(p, d.pending[i].Name, d.pending[i].Addl, src)
	}
	d.npend = 0
}

func (d *Decoder) report(p *Packet, name, addl, source string) {
	if d.weirds != nil {
		d.weirds.PacketWeird(p, name, addl, source)
	}
}
