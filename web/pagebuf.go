package web

import (
	"bytes"
	"sync"
)

// pageBuffers are the buffers pages render into: a page is rendered
// whole before its status goes out (render), and growing a fresh buffer to
// a queue page's 100 KB allocated and copied about twice that per request.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledPage is the largest buffer kept for the next page: a rare huge
// page (a long thread, a big export) does not stay in memory.
const maxPooledPage = 1 << 20

func getPageBuffer() *bytes.Buffer { return pageBuffers.Get().(*bytes.Buffer) }

func putPageBuffer(b *bytes.Buffer) {
	if b.Cap() > maxPooledPage {
		return
	}
	b.Reset()
	pageBuffers.Put(b)
}
