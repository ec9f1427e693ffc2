package live

// Deafen stops n hearing the hub: what is left is the page's own check of
// the member's newest event.
func Deafen(n *NavCounts) {
	n.hub.mu.Lock()
	defer n.hub.mu.Unlock()
	n.hub.watch = nil
}
