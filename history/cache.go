package history

import (
	"container/list"
	"sync"
)

// entryOverhead is what one cached entry costs beyond its bytes: the list
// element, the map slot and the message's string and time headers.
const entryOverhead = 256

// cache holds recently used entries, least recently used evicted first,
// within a byte budget. It has its own lock so that readers holding the
// index's read lock can still mark what they use. A budget below zero
// means no bound: the index then has nowhere to load a miss from.
type cache struct {
	budget int64

	mu    sync.Mutex
	size  int64
	order *list.List // of *Entry, most recently used first
	bySeq map[uint64]*list.Element
}

func newCache(budget int64) *cache {
	return &cache{budget: budget, order: list.New(), bySeq: make(map[uint64]*list.Element)}
}

// cost is what e is charged: its JSON, and its message's strings, which
// hold the same text again.
func cost(e *Entry) int64 {
	return int64(2*len(e.JSON)+len(e.Msg.ClientID)+len(e.Msg.Sender)+len(e.Msg.ID)) + entryOverhead
}

// get returns the entry at seq and marks it used.
func (c *cache) get(seq uint64) (Entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.bySeq[seq]
	if !ok {
		return Entry{}, false
	}
	c.order.MoveToFront(el)
	return *el.Value.(*Entry), true
}

// put adds e (replacing an entry at the same seq) and evicts the least
// recently used entries beyond the budget. An entry larger than the whole
// budget is not kept.
func (c *cache) put(e Entry) {
	n := cost(&e)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.budget >= 0 && n > c.budget {
		return
	}
	if el, ok := c.bySeq[e.Seq]; ok {
		c.size -= cost(el.Value.(*Entry))
		el.Value = &e
		c.order.MoveToFront(el)
	} else {
		c.bySeq[e.Seq] = c.order.PushFront(&e)
	}
	c.size += n
	for c.budget >= 0 && c.size > c.budget {
		c.removeElement(c.order.Back())
	}
}

// remove drops the entry at seq, if cached.
func (c *cache) remove(seq uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.bySeq[seq]; ok {
		c.removeElement(el)
	}
}

func (c *cache) removeElement(el *list.Element) {
	e := c.order.Remove(el).(*Entry)
	delete(c.bySeq, e.Seq)
	c.size -= cost(e)
}

// bytes is what the cached entries are charged in total.
func (c *cache) bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}
