package web

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"time"

	"github.com/alexedwards/scs/v2"
)

// sessionCodec encodes session data (scs.Codec) in a small format of its
// own when every value is a string, int, int64 or bool (all Loopdesk
// stores), and with gob otherwise. scs decodes the session on every request
// and encodes it again to move its idle deadline; gob builds its type
// machinery afresh each time and writes a map in random order, so the
// session row's touch check (lazyTouchStore.sameData) had to decode both
// versions too. This format costs a fraction of that, and the same session
// always gives the same bytes.
//
// Layout: sessionMagic, the deadline (Unix seconds and nanoseconds, 8 + 4
// bytes), the number of values, then each value by key in order: key
// (length, bytes), a kind byte, the value (a string's length and bytes, an
// integer as a varint, a bool as one byte). Rows written by gob before keep
// decoding: a gob stream never starts with a zero byte.
type sessionCodec struct{ gob scs.GobCodec }

const sessionMagic = "\x00LD1"

const (
	kindString = 's'
	kindInt    = 'i'
	kindInt64  = 'I'
	kindBool   = 'b'
)

var errSessionData = errors.New("session data: malformed")

// Encode implements scs.Codec.
func (c sessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	size := len(sessionMagic) + 12 + binary.MaxVarintLen64
	keys := make([]string, 0, len(values))
	for k, v := range values {
		switch v := v.(type) {
		case string:
			size += len(v)
		case int, int64, bool:
		default:
			return c.gob.Encode(deadline, values)
		}
		size += len(k) + 1 + 2*binary.MaxVarintLen64
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b := make([]byte, 0, size)
	b = append(b, sessionMagic...)
	b = binary.BigEndian.AppendUint64(b, uint64(deadline.Unix()))
	b = binary.BigEndian.AppendUint32(b, uint32(deadline.Nanosecond()))
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		switch v := values[k].(type) {
		case string:
			b = append(b, kindString)
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		case int:
			b = append(b, kindInt)
			b = binary.AppendVarint(b, int64(v))
		case int64:
			b = append(b, kindInt64)
			b = binary.AppendVarint(b, v)
		case bool:
			b = append(b, kindBool)
			if v {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		}
	}
	return b, nil
}

// Decode implements scs.Codec.
func (c sessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	if !bytes.HasPrefix(b, []byte(sessionMagic)) {
		return c.gob.Decode(b)
	}
	b = b[len(sessionMagic):]
	if len(b) < 12 {
		return time.Time{}, nil, errSessionData
	}
	sec, nsec := int64(binary.BigEndian.Uint64(b)), int64(binary.BigEndian.Uint32(b[8:]))
	if nsec >= 1e9 {
		return time.Time{}, nil, errSessionData
	}
	deadline := time.Unix(sec, nsec).UTC()
	b = b[12:]
	n, ok := uvarint(&b)
	if !ok || n > uint64(len(b)) { // each value takes at least a byte
		return time.Time{}, nil, errSessionData
	}
	values := make(map[string]any, n)
	for range n {
		k, ok := bytesOf(&b)
		if !ok || len(b) == 0 {
			return time.Time{}, nil, errSessionData
		}
		kind := b[0]
		b = b[1:]
		switch kind {
		case kindString:
			s, ok := bytesOf(&b)
			if !ok {
				return time.Time{}, nil, errSessionData
			}
			values[string(k)] = string(s)
		case kindInt, kindInt64:
			v, m := binary.Varint(b)
			if m <= 0 {
				return time.Time{}, nil, errSessionData
			}
			b = b[m:]
			if kind == kindInt {
				values[string(k)] = int(v)
			} else {
				values[string(k)] = v
			}
		case kindBool:
			if len(b) == 0 || b[0] > 1 {
				return time.Time{}, nil, errSessionData
			}
			values[string(k)] = b[0] == 1
			b = b[1:]
		default:
			return time.Time{}, nil, errSessionData
		}
	}
	if len(b) != 0 {
		return time.Time{}, nil, errSessionData
	}
	return deadline, values, nil
}

func uvarint(b *[]byte) (uint64, bool) {
	v, m := binary.Uvarint(*b)
	if m <= 0 {
		return 0, false
	}
	*b = (*b)[m:]
	return v, true
}

// bytesOf reads a length and that many bytes.
func bytesOf(b *[]byte) ([]byte, bool) {
	n, ok := uvarint(b)
	if !ok || n > uint64(len(*b)) {
		return nil, false
	}
	s := (*b)[:n]
	*b = (*b)[n:]
	return s, true
}
