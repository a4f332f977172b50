package websocket

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// This file is the WebSocket frame format of RFC 6455 as Zeek's grammar
// reads it (src/analyzer/protocol/websocket/websocket-protocol.pac): one
// direction at a time, resumable at any byte, into events.

// Opcodes (RFC 6455 section 5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xa
)

// opcodeName is WebSocket::opcodes: an opcode in words.
func opcodeName(op uint8) string {
	switch op {
	case opContinuation:
		return "continuation"
	case opText:
		return "text"
	case opBinary:
		return "binary"
	case opClose:
		return "close"
	case opPing:
		return "ping"
	case opPong:
		return "pong"
	}
	return "unknown-" + strconv.FormatUint(uint64(op), 16)
}

// sink receives a flow's events, in Zeek's order. Byte slices are
// borrowed for the call.
type sink interface {
	// frame is websocket_frame: a frame header.
	frame(isOrig, fin bool, rsv, opcode uint8, payloadLen uint64)
	// frameData is websocket_frame_data: a chunk of a frame's payload,
	// unmasked (of a control frame, at most max_control_frame_size
	// bytes in all).
	frameData(isOrig bool, data []byte)
	// payload is a chunk of a text or binary message, unmasked, for the
	// protocol inside.
	payload(isOrig bool, data []byte)
	// closeFrame is websocket_close (status 0 and no reason for a close
	// frame without payload).
	closeFrame(isOrig bool, status uint16, reason []byte)
	// message is the end of a message: the analyzer's confirmation and
	// websocket_message.
	message(isOrig bool, opcode uint8)
	// weird raises a weird of the analyzer.
	weird(name, addl string)
}

// grammarError is input that Zeek's parser throws out (a binpac
// exception); its text is binpac's message.
type grammarError struct{ msg string }

func (e *grammarError) Error() string { return "binpac exception: " + e.msg }

// flowConfig holds the options a flow reads.
type flowConfig struct {
	// chunkSize is WebSocket::payload_chunk_size: payload is passed on
	// in chunks of at most this many bytes, each buffered whole.
	chunkSize uint64
	// maxControl is WebSocket::max_control_frame_size (0: no limit).
	maxControl uint64
}

// Parsing stages.
const (
	stHeader  = iota // reading a frame header
	stPayload        // reading a frame's payload, chunk by chunk
)

// flow parses one direction of a WebSocket connection (Zeek's
// WebSocket_Flow). Its memory is bounded: at most a frame header and one
// payload chunk are buffered.
type flow struct {
	isOrig bool
	cfg    *flowConfig

	// The message being parsed (binpac's data unit).
	stage     uint8
	inMessage bool  // its first frame is done: the next is a continuation
	msgOpcode uint8 // its first frame's opcode
	hdr       [14]byte
	hdrLen    int
	frameOp   uint8
	frameFin  bool
	frameLen  uint64
	chunk     []byte // the chunk being buffered

	// The flow's own state, which outlives a message thrown out.
	hasMask         bool
	mask            [4]byte
	maskIdx         uint64
	payloadLeft     uint64 // frame_payload_len_: payload not yet consumed
	emitLeft        uint64 // payload of the frame still reported
	effectiveOpcode uint8
}

func (f *flow) init(isOrig bool, cfg *flowConfig) {
	*f = flow{isOrig: isOrig, cfg: cfg, chunk: f.chunk[:0]}
}

// write parses the next bytes of the direction (borrowed for the call),
// reporting events to s. It returns a *grammarError when Zeek's parser
// would throw the data out; the flow has then dropped the message in
// progress and whatever it had buffered, and the caller drops the rest of
// data, as Zeek does.
func (f *flow) write(data []byte, s sink) error {
	for {
		switch f.stage {
		case stHeader:
			if len(data) == 0 {
				return nil
			}
			need := 2
			if f.hdrLen >= 2 {
				need = headerLen(f.hdr[0], f.hdr[1])
			}
			n := copy(f.hdr[f.hdrLen:need], data)
			f.hdrLen += n
			data = data[n:]
			if f.hdrLen < 2 {
				return nil
			}
			if need == 2 {
				need = headerLen(f.hdr[0], f.hdr[1])
				n := copy(f.hdr[f.hdrLen:need], data)
				f.hdrLen += n
				data = data[n:]
			}
			if f.hdrLen < need {
				return nil
			}
			f.hdrLen = 0
			if err := f.header(s); err != nil {
				f.discard()
				return err
			}
			f.stage = stPayload
		case stPayload:
			if f.payloadLeft == 0 {
				f.endFrame(s)
				continue
			}
			want := min(f.payloadLeft, f.cfg.chunkSize)
			var chunk []byte
			if len(f.chunk) == 0 && uint64(len(data)) >= want && !f.hasMask {
				chunk, data = data[:want], data[want:]
			} else {
				n := min(want-uint64(len(f.chunk)), uint64(len(data)))
				f.chunk = append(f.chunk, data[:n]...)
				data = data[n:]
				if uint64(len(f.chunk)) < want {
					return nil
				}
				chunk = f.chunk
			}
			err := f.payloadChunk(chunk, s)
			f.chunk = f.chunk[:0]
			if err != nil {
				f.discard()
				return err
			}
		}
	}
}

// headerLen is the length of a frame header given its first two bytes.
func headerLen(b0, b1 byte) int {
	n := 2
	if b1&0x80 != 0 {
		n += 4
	}
	switch b1 & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	return n
}

// header acts on a complete frame header: the grammar's check of the
// opcode against the frame's place in the message, then
// new_frame_payload and websocket_frame.
func (f *flow) header(s sink) error {
	b := f.hdr[:]
	fin := b[0]&0x80 != 0
	rsv := (b[0] >> 4) & 0x7
	op := b[0] & 0x0f
	masked := b[1]&0x80 != 0
	n := uint64(b[1] & 0x7f)
	at := 2
	switch n {
	case 126:
		n = uint64(binary.BigEndian.Uint16(b[2:4]))
		at = 4
	case 127:
		n = binary.BigEndian.Uint64(b[2:10])
		at = 10
	}
	first := !f.inMessage
	if first == (op == opContinuation) {
		return &grammarError{msg: "&enforce violation : WebSocket_FrameHeader:first2"}
	}
	if f.payloadLeft > 0 {
		s.weird("websocket_frame_not_consumed", "")
	}
	if first {
		f.effectiveOpcode = op
		f.msgOpcode = op
	}
	f.payloadLeft, f.emitLeft = n, n
	if mc := f.cfg.maxControl; mc != 0 && isControl(f.effectiveOpcode) && f.emitLeft > mc {
		s.weird("websocket_control_frame_size_exceeded", fmt.Sprintf("%d > %d", n, mc))
		f.emitLeft = mc
	}
	f.hasMask, f.maskIdx = masked, 0
	if masked {
		copy(f.mask[:], b[at:at+4])
	}
	f.frameOp, f.frameFin, f.frameLen = op, fin, n
	s.frame(f.isOrig, fin, rsv, op, n)
	return nil
}

func isControl(op uint8) bool { return op == opClose || op == opPing || op == opPong }

// payloadChunk acts on one chunk of a frame's payload: it is consumed,
// unmasked, reported, passed on when the message is text or binary, and
// read as a close frame's status and reason when it belongs to one.
// A masked chunk is the flow's own buffer, unmasked in place.
func (f *flow) payloadChunk(chunk []byte, s sink) error {
	n := uint64(len(chunk))
	f.payloadLeft -= n
	emit := min(n, f.emitLeft)
	f.emitLeft -= emit
	if f.hasMask {
		unmask(chunk, f.mask, f.maskIdx)
		f.maskIdx += n
	}
	s.frameData(f.isOrig, chunk[:emit])
	if f.effectiveOpcode == opText || f.effectiveOpcode == opBinary {
		s.payload(f.isOrig, chunk)
	}
	if f.frameOp == opClose {
		if emit < 2 {
			return &grammarError{msg: fmt.Sprintf("out_of_bound: WebSocket_FramePayloadClose:status: 2 > %d", emit)}
		}
		s.closeFrame(f.isOrig, binary.BigEndian.Uint16(chunk[:2]), chunk[2:emit])
	}
	return nil
}

// endFrame ends a frame whose payload is consumed, and the message with
// its final frame.
func (f *flow) endFrame(s sink) {
	if f.frameOp == opClose && f.frameLen == 0 {
		s.closeFrame(f.isOrig, 0, nil)
	}
	f.stage = stHeader
	if !f.frameFin {
		f.inMessage = true
		return
	}
	f.inMessage = false
	s.message(f.isOrig, f.msgOpcode)
}

// discard drops the message in progress and the buffered bytes (binpac's
// reaction to an exception); the flow's own state stays.
func (f *flow) discard() {
	f.stage = stHeader
	f.inMessage = false
	f.hdrLen = 0
	f.chunk = f.chunk[:0]
}

// unmask XORs b in place with the masking key, starting at key byte
// idx%4 (RFC 6455 section 5.3), eight bytes at a time.
func unmask(b []byte, key [4]byte, idx uint64) {
	var k [4]byte
	for i := range k {
		k[i] = key[(idx+uint64(i))%4]
	}
	k32 := uint64(binary.LittleEndian.Uint32(k[:]))
	k64 := k32 | k32<<32
	i := 0
	for ; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], binary.LittleEndian.Uint64(b[i:])^k64)
	}
	for ; i < len(b); i++ {
		b[i] ^= k[i%4]
	}
}
