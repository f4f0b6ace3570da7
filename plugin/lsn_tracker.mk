lsn_tracker_SOURCES = accum.c lag.c layout.c listener.c names.c notify.c property.c recover.c status.c store.c tracker.c varint.c rocksdb/collector.cc rocksdb/lag.cc rocksdb/listener.cc rocksdb/options.cc rocksdb/register.cc rocksdb/sst.cc
lsn_tracker_HEADERS =
lsn_tracker_LIBS =
lsn_tracker_FUNC = lsn_tracker_register_library

# The lines above are RocksDB's plugin contract (plugin/README.md in
# RocksDB's source). Link this directory, inside a checkout of this
# repository, as rocksdb/plugin/lsn_tracker and build RocksDB with
# ROCKSDB_PLUGINS=lsn_tracker, with CMake or with make:
#
#  * The first line is the one list of the library's sources: this
#    project's own CMake reads it too (plugin/CMakeLists.txt). The .c files
#    are the C core, the .cc files the RocksDB adapter.
#  * The registrar (lsn_tracker_FUNC) puts LsnCollectorFactory and
#    LsnFlushListener into every ObjectRegistry RocksDB creates: a host
#    parses options without calling lsn_tracker_register(). The C ABI
#    (include/lsn_tracker.h) is compiled into librocksdb with the rest.
#  * The header list is empty because the public header lives outside this
#    directory (include/), and RocksDB installs listed headers by a path
#    relative to it. Both builds install it as
#    rocksdb/plugin/lsn_tracker/lsn_tracker.h instead: RocksDB's CMake
#    through rocksdb-plugin.cmake, make through the install rule below.
#
# RocksDB's CMake reads the sources, the registrar and the (empty) library
# list above with regular expressions and takes the first match of each:
# nothing above them may look like them, and each must stay on one line.
# Everything below is for RocksDB's Makefile only; RocksDB's CMake does not
# read it.

lsn_tracker_DIR := $(dir $(lastword $(MAKEFILE_LIST)))
lsn_tracker_INCLUDE := $(lsn_tracker_DIR)../include

# The adapter includes the core's headers and lsn_tracker.h, and
# LSN_TRACKER_BUILTIN lets the registrar register the objects instead of a
# load-time constructor. RocksDB adds these flags to every C++ source it
# compiles; no RocksDB source includes a header of the same name or uses
# that macro.
lsn_tracker_CXXFLAGS = -DLSN_TRACKER_BUILTIN -I$(lsn_tracker_DIR) -I$(lsn_tracker_INCLUDE)

# RocksDB's Makefile turns only %.cc sources into objects, and the core is
# C11 (atomics, _Thread_local, _Alignas), not C++. Each X.c is listed as
# X.c.cc, a name no file has: the library then wants $(OBJ_DIR)/.../X.c.o,
# which the rule below compiles from X.c with the C compiler.
lsn_tracker_SOURCES := $(patsubst %.c,%.c.cc,$(lsn_tracker_SOURCES))

$(OBJ_DIR)/$(lsn_tracker_DIR)%.c.o: $(lsn_tracker_DIR)%.c
	$(AM_V_CC)mkdir -p $(@D) && $(CC) $(CFLAGS) -std=gnu11 -I$(lsn_tracker_DIR) -I$(lsn_tracker_INCLUDE) -DLSN_TRACKER_BUILTIN -c $< -o $@

# make install-headers (and so install, install-static, install-shared).
install-headers: lsn_tracker_install_header
.PHONY: lsn_tracker_install_header
lsn_tracker_install_header:
	install -d $(DESTDIR)/$(PREFIX)/include/rocksdb/plugin/lsn_tracker
	install -C -m 644 $(lsn_tracker_INCLUDE)/lsn_tracker.h $(DESTDIR)/$(PREFIX)/include/rocksdb/plugin/lsn_tracker/
