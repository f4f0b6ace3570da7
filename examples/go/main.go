// A RocksDB host in Go, through github.com/linxGnu/grocksdb.
//
// The program links liblsn_tracker, whose load-time constructor registers
// LsnFlushListener and LsnCollectorFactory with RocksDB before main runs.
// It enables both by options string, applies writes with the WAL off,
// flushes, waits until the writes are durable, then reopens the database
// and recovers the watermarks from its SST files, as a restarted process
// would.
//
// Usage: go-host [DB_DIR]   (default: a temporary directory)
// Exits 0 when every watermark is what was written, 1 otherwise.
package main

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: -llsn_tracker
#include <stdlib.h>
#include <lsn_tracker.h>
*/
import "C"

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"unsafe"

	"github.com/linxGnu/grocksdb"
)

const (
	partitions = 3
	lastLSN    = 50
)

// Applied-LSN keys: "L" + partition as 8 big-endian bytes; value: the LSN
// as 8 big-endian bytes (the collector's defaults after key_prefix=4c).
const collector = "table_properties_collectors={id=LsnCollectorFactory;key_prefix=4c}"

func appliedKey(partition uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte("L"), partition)
}

func lsnError(rc C.int) error {
	return errors.New(C.GoString(C.lsn_tracker_strerror(rc)))
}

// rocksdbT returns the C API handle (rocksdb_t *) behind a grocksdb DB.
// grocksdb keeps it in the unexported field c and has no accessor for it.
func rocksdbT(db *grocksdb.DB) *C.rocksdb_t {
	f := reflect.ValueOf(db).Elem().FieldByName("c")
	if !f.IsValid() || f.Kind() != reflect.Pointer {
		panic("grocksdb.DB has no pointer field c")
	}
	return (*C.rocksdb_t)(f.UnsafePointer())
}

type host struct {
	db      *grocksdb.DB
	opts    *grocksdb.Options
	tracker *C.lsn_tracker_t
	path    string
}

func openHost(path, tracker string) (*host, error) {
	spec := "create_if_missing=true;" +
		"listeners={id=LsnFlushListener;tracker=" + tracker + "};" +
		collector
	opts, err := grocksdb.GetOptionsFromString(nil, spec)
	if err != nil {
		return nil, fmt.Errorf("options: %w", err)
	}
	name := C.CString(tracker)
	defer C.free(unsafe.Pointer(name))
	h := &host{opts: opts, tracker: C.lsn_tracker_open(name), path: path}
	if h.tracker == nil {
		opts.Destroy()
		return nil, fmt.Errorf("lsn_tracker_open %q failed", tracker)
	}
	// RocksDB drops an unknown id silently: make sure ours was known.
	stats := C.lsn_tracker_stats_t{size: C.uint32_t(unsafe.Sizeof(C.lsn_tracker_stats_t{}))}
	if C.lsn_tracker_stats(h.tracker, &stats) != C.LSN_TRACKER_OK || stats.listeners != 1 {
		h.close()
		return nil, errors.New("LsnFlushListener is not active")
	}
	if h.db, err = grocksdb.OpenDb(opts, path); err != nil {
		h.close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return h, nil
}

// apply applies one log entry: its state and its LSN in one batch.
func (h *host) apply(partition, lsn uint64) error {
	b := grocksdb.NewWriteBatch()
	defer b.Destroy()
	b.Put([]byte(fmt.Sprintf("state/%d", partition)), []byte(fmt.Sprintf("entry %d", lsn)))
	b.Put(appliedKey(partition), binary.BigEndian.AppendUint64(nil, lsn))
	wo := grocksdb.NewDefaultWriteOptions()
	defer wo.Destroy()
	wo.DisableWAL(true) // the log is ours
	return h.db.Write(wo, b)
}

func (h *host) flush() error {
	fo := grocksdb.NewDefaultFlushOptions()
	defer fo.Destroy()
	fo.SetWait(true)
	return h.db.Flush(fo)
}

// waitDurable blocks until the partition's durable LSN reaches target.
func (h *host) waitDurable(partition, target uint64) (uint64, error) {
	var got C.uint64_t
	rc := C.lsn_tracker_wait(h.tracker, nil, C.uint64_t(partition),
		C.uint64_t(target), 10000, &got)
	if rc != C.LSN_TRACKER_OK {
		return 0, lsnError(rc)
	}
	return uint64(got), nil
}

func (h *host) durable(partition uint64) (uint64, bool) {
	var got C.uint64_t
	rc := C.lsn_tracker_get(h.tracker, nil, C.uint64_t(partition), &got)
	return uint64(got), rc == C.LSN_TRACKER_OK
}

func (h *host) readApplied(partition uint64) (uint64, bool, error) {
	ro := grocksdb.NewDefaultReadOptions()
	defer ro.Destroy()
	v, err := h.db.GetBytes(ro, appliedKey(partition))
	if err != nil || len(v) != 8 {
		return 0, false, err
	}
	return binary.BigEndian.Uint64(v), true, nil
}

func (h *host) recover() error {
	path := C.CString(h.path)
	defer C.free(unsafe.Pointer(path))
	if rc := C.lsn_tracker_recover(h.tracker, rocksdbT(h.db), path); rc != C.LSN_TRACKER_OK {
		return lsnError(rc)
	}
	return nil
}

func (h *host) close() {
	if h.db != nil {
		h.db.Close()
	}
	h.opts.Destroy()
	C.lsn_tracker_close(h.tracker)
}

func run(path string) (bool, error) {
	ok := true

	h, err := openHost(path, "go-host")
	if err != nil {
		return false, err
	}
	for entry := uint64(1); entry <= lastLSN; entry++ {
		for p := uint64(0); p < partitions; p++ {
			if err := h.apply(p, entry); err != nil {
				h.close()
				return false, err
			}
		}
	}
	if err := h.flush(); err != nil {
		h.close()
		return false, err
	}
	// The listener may still be running when Flush returns.
	for p := uint64(0); p < partitions; p++ {
		got, err := h.waitDurable(p, lastLSN)
		if err != nil {
			h.close()
			return false, fmt.Errorf("partition %d: %w", p, err)
		}
		fmt.Printf("partition %d: durable lsn %d\n", p, got)
		ok = ok && got == lastLSN
	}
	h.close()

	// A restarted process knows nothing until it recovers from the SSTs.
	if h, err = openHost(path, "go-host-reopened"); err != nil {
		return false, err
	}
	defer h.close()
	if err := h.recover(); err != nil {
		return false, fmt.Errorf("recover: %w", err)
	}
	for p := uint64(0); p < partitions; p++ {
		got, found := h.durable(p)
		applied, _, err := h.readApplied(p)
		if err != nil {
			return false, err
		}
		fmt.Printf("partition %d: recovered durable lsn %d, applied %d\n", p, got, applied)
		ok = ok && found && got == lastLSN && applied == lastLSN
	}
	return ok, nil
}

func main() {
	os.Exit(hostMain())
}

func hostMain() int {
	// Loading the library has registered both objects already; the call
	// makes the dependency explicit, before any options are parsed.
	C.lsn_tracker_register()
	if v := C.GoString(C.lsn_tracker_version()); v != C.LSN_TRACKER_VERSION_STRING {
		fmt.Fprintf(os.Stderr, "header %s, library %s\n", C.LSN_TRACKER_VERSION_STRING, v)
		return 1
	}
	fmt.Printf("liblsn_tracker %s\n", C.GoString(C.lsn_tracker_version()))
	var path string
	if len(os.Args) > 1 {
		path = os.Args[1]
	} else {
		tmp, err := os.MkdirTemp("", "lsn-go-host-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(tmp)
		path = filepath.Join(tmp, "db")
	}
	ok, err := run(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		ok = false
	}
	if !ok {
		fmt.Println("MISMATCH")
		return 1
	}
	fmt.Println("ok")
	return 0
}
