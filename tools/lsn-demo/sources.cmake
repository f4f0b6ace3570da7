# lsn-demo's sources but the one that loads the plugin: plugin.c (dlopen)
# here, plugin_linked.c in tests/compat, where the plugin is compiled into
# RocksDB.
set(LSN_DEMO_SOURCES main.c args.c run.c durable.c lifecycle.c log.c
  applier.c variant.c trimmer.c intent.c checkpoint.c ingest.c check.c gen.c
  meta.c progress.c lag.c)
list(TRANSFORM LSN_DEMO_SOURCES PREPEND ${CMAKE_CURRENT_LIST_DIR}/)
