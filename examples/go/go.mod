module lsn-tracker-go-host

go 1.19

// v1.7.14 is the grocksdb release made for RocksDB 7.8.3 (Debian 12).
require github.com/linxGnu/grocksdb v1.7.14
