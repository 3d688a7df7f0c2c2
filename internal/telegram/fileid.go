package telegram

import (
	"container/list"
	"context"
	"sync"
)

// FileIDCache remembers the file_id Telegram assigned to media a bot sent
// by URL, so the next send reuses the file instead of making Telegram
// download it again. A file_id is valid only for the bot that got it, hence
// the key (botID, url), where botID is the Telegram bot id (the token's
// prefix; a replaced token is a new bot). Get and Put never fail: a cache
// that cannot answer answers "not found" and the media is sent by URL. Put
// with an empty fileID forgets the entry.
type FileIDCache interface {
	Get(ctx context.Context, botID int64, url string) (fileID string, ok bool)
	Put(ctx context.Context, botID int64, url, fileID string)
}

// MemoryFileIDCache is an in-process FileIDCache holding at most a fixed
// number of entries, evicting the least recently used.
type MemoryFileIDCache struct {
	mu      sync.Mutex
	max     int
	order   *list.List // of *fileEntry, most recently used first
	entries map[fileKey]*list.Element
}

type fileKey struct {
	botID int64
	url   string
}

type fileEntry struct {
	key    fileKey
	fileID string
}

// NewMemoryFileIDCache returns a cache of at most size entries (at least 1).
func NewMemoryFileIDCache(size int) *MemoryFileIDCache {
	return &MemoryFileIDCache{max: max(size, 1), order: list.New(), entries: map[fileKey]*list.Element{}}
}

func (c *MemoryFileIDCache) Get(_ context.Context, botID int64, url string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[fileKey{botID, url}]
	if !ok {
		return "", false
	}
	c.order.MoveToFront(el)
	return el.Value.(*fileEntry).fileID, true
}

func (c *MemoryFileIDCache) Put(_ context.Context, botID int64, url, fileID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := fileKey{botID, url}
	if fileID == "" {
		if el, ok := c.entries[k]; ok {
			c.order.Remove(el)
			delete(c.entries, k)
		}
		return
	}
	if el, ok := c.entries[k]; ok {
		el.Value.(*fileEntry).fileID = fileID
		c.order.MoveToFront(el)
		return
	}
	c.entries[k] = c.order.PushFront(&fileEntry{key: k, fileID: fileID})
	if c.order.Len() > c.max {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.entries, oldest.Value.(*fileEntry).key)
	}
}

// Len returns the number of cached entries.
func (c *MemoryFileIDCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
