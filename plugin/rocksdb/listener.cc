// LsnFlushListener: RocksDB's event listener class over the core's listener.
// It tells the core who the database is, which family and file an event is
// about, and whether the event may raise at all; the core decides the rest.
#include "adapter.h"

namespace lsn_adapter {

namespace {

const OptionMap &ListenerOptions()
{
    static const OptionMap map = MakeOptionMap(lsn_listener_options);
    return map;
}

const uint8_t *Bytes(const std::string *s)
{
    return s ? reinterpret_cast<const uint8_t *>(s->data()) : nullptr;
}

} // namespace

DbIdent::DbIdent(DB *db, bool supervised)
{
    if (!db->GetDbSessionId(session).ok())
        session.clear();
    path = db->GetName();
    c.session = session.c_str();
    c.path = path.c_str();
    c.key = db->DefaultColumnFamily();
    c.supervised = supervised;
}

LsnFlushListener::LsnFlushListener(lsn_listener_t *l) : l_(l)
{
    lsn_listener_opts_init(&opts_);
    RegisterOptions("LsnFlushListenerOptions", &opts_, &ListenerOptions());
}

LsnFlushListener::~LsnFlushListener() { lsn_listener_free(l_); }

void LsnFlushListener::OnFlushCompleted(DB *db, const FlushJobInfo &info)
{
    lsn_event_info_t ev = {};
    ev.kind = LSN_EVENT_FLUSH;
    ev.cf = info.cf_name.c_str();
    ev.cf_id = info.cf_id;
    // A manual flush under atomic_flush flushes the families it was given,
    // one of them for DB::Flush of one handle, on every release up to
    // 11.8 at least (DBImpl::Flush passes them to AtomicFlushMemTables as
    // the only candidates); every other atomic flush takes all families
    // with data.
    ev.unsafe = info.flush_reason == FlushReason::kManualFlush &&
                db->GetDBOptions().atomic_flush;
    try {
        LagFlushed(db, info.cf_id, info.largest_seqno);
    } catch (...) {
    }
    Deliver(&ev, db, info.table_properties);
}

void LsnFlushListener::OnExternalFileIngested(
    DB *db, const ExternalFileIngestionInfo &info)
{
    lsn_event_info_t ev = {};
    ev.kind = LSN_EVENT_INGEST;
    ev.cf = info.cf_name.c_str();
    // The file's own column_family_id is whatever its writer was given.
    ev.cf_id = LSN_CF_ID_UNKNOWN;
    // Sequence number 0 is also how a file that overlaps nothing goes in;
    // only a family prepared for ingest_behind makes it ambiguous (and an
    // answer that cannot be had counts as prepared).
    ev.behind = info.global_seqno == 0;
    try {
        const LatestOptions latest = ReadLatestOptions(db);
        if (ev.behind)
            ev.behind = MayIngestBehind(db, latest, info.cf_name);
        auto layouts = LearnLayouts(latest);
        auto it = layouts.find(info.cf_name);
        if (it != layouts.end())
            ev.layout_fp = lsn_layout_fingerprint(&it->second.layout);
    } catch (...) {
    }
    Deliver(&ev, db, info.table_properties);
}

void LsnFlushListener::OnColumnFamilyHandleDeletionStarted(
    ColumnFamilyHandle *h)
{
    try {
        LagHandleGone(h);
        lsn_listener_on_handle_gone(l_, h, h->GetName().c_str(), h->GetID());
    } catch (...) {
    }
}

void LsnFlushListener::Deliver(lsn_event_info_t *ev, DB *db,
                               const TableProperties &tp)
{
    try {
        DbIdent id(db, true);
        const std::string name = opts_.property;
        const std::string *prop = FindProperty(tp, name);
        const std::string *bad = FindProperty(tp, name + LSN_BAD_VALUES_SUFFIX);
        ev->db = id.c;
        ev->prop = Bytes(prop);
        ev->prop_len = prop ? prop->size() : 0;
        ev->bad = Bytes(bad);
        ev->bad_len = bad ? bad->size() : 0;
        lsn_listener_on_event(l_, ev);
    } catch (...) {
        // RocksDB is not exception-safe; a missed event only lags.
    }
}

Status LsnFlushListener::ConfigureOptions(const ConfigOptions &config,
                                          const StringMap &map,
                                          StringMap *unused)
{
    Status s = RejectUnknown(kClassName(), ListenerOptions(), config, map);
    if (s.ok())
        s = EventListener::ConfigureOptions(config, map, unused);
    if (!s.ok())
        return s;
    char err[512];
    if (lsn_listener_configure(l_, &opts_, err, sizeof err) != 0)
        return Status::InvalidArgument(err);
    return Status::OK();
}

} // namespace lsn_adapter
