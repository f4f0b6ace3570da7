// Bounded trim lag: a thread per attached tracker polls the database's
// memtables and flushes a column family whose oldest unflushed write is
// older than the listener's max_lag_ms (lag.h has the policy). The database
// and its handles are used only between lsn_tracker_attach and
// lsn_tracker_detach, or until RocksDB deletes them: their deletion is seen
// (OnColumnFamilyHandleDeletionStarted) and waits for any call in progress.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "adapter.h"
#include "lag.h"

namespace lsn_adapter {

namespace {

int64_t NowMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch())
        .count();
}

struct Family {
    ColumnFamilyHandle *h;
    uint32_t id;
    lsn_lag_cf_t lag;
};

struct Attachment {
    lsn_tracker_t *t;
    DB *db;
    const void *key; // the database's default handle: its deletion is the close
    bool atomic;
    std::mutex mu;    // state below, and the wake-up
    std::condition_variable cv;
    std::vector<Family> cfs;
    lsn_lag_t lag;
    std::mutex db_mu; // held by the poller while it calls into the database
    std::atomic<bool> stop{false};
    std::thread poller;
};

using AttachmentPtr = std::shared_ptr<Attachment>;
std::mutex g_mu; // the list; never held while waiting for a poller
// Never destroyed: a process may exit with pollers running, and joinable
// threads must not be destroyed.
std::vector<AttachmentPtr> &g_attached = *new std::vector<AttachmentPtr>;

uint64_t Property(DB *db, ColumnFamilyHandle *h, const std::string &name)
{
    uint64_t v = 0;
    return db->GetIntProperty(h, name, &v) ? v : 0;
}

// One poll; the families to flush go to *due (their handles).
void Poll(Attachment *a, std::vector<ColumnFamilyHandle *> *due)
{
    std::vector<std::pair<uint64_t, uint64_t>> sizes;
    std::vector<ColumnFamilyHandle *> hs;
    {
        std::lock_guard<std::mutex> l(a->mu);
        for (const auto &f : a->cfs)
            hs.push_back(f.h);
    }
    const uint64_t seq = a->db->GetLatestSequenceNumber();
    for (auto *h : hs)
        sizes.emplace_back(
            Property(a->db, h, DB::Properties::kNumEntriesActiveMemTable),
            Property(a->db, h, DB::Properties::kNumImmutableMemTable));
    std::lock_guard<std::mutex> l(a->mu);
    const int64_t prev = a->lag.last_poll_ms;
    lsn_lag_tick(&a->lag, NowMs(), seq);
    for (size_t i = 0; i < hs.size(); i++)
        for (auto &f : a->cfs)
            if (f.h == hs[i] && lsn_lag_check(&a->lag, &f.lag, prev,
                                              sizes[i].first, sizes[i].second))
                due->push_back(f.h);
}

// Counted before they are made: their raise may reach a host first.
void Flush(Attachment *a, const std::vector<ColumnFamilyHandle *> &due)
{
    if (a->atomic) {
        lsn_tracker_count(a->t, LSN_C_FORCED, 1);
        FlushAll(a->db);
        return;
    }
    FlushOptions fo;
    fo.allow_write_stall = true;
    for (auto *h : due) {
        lsn_tracker_count(a->t, LSN_C_FORCED, 1);
        a->db->Flush(fo, h).PermitUncheckedError();
    }
}

void Run(Attachment *a)
{
    const auto period = std::chrono::milliseconds(
        lsn_lag_period_ms(a->lag.max_lag_ms));
    while (!a->stop.load()) {
        {
            std::unique_lock<std::mutex> l(a->mu);
            a->cv.wait_for(l, period, [a] { return a->stop.load(); });
        }
        std::lock_guard<std::mutex> in(a->db_mu);
        if (a->stop.load())
            break;
        std::vector<ColumnFamilyHandle *> due;
        Poll(a, &due);
        if (!due.empty())
            Flush(a, due);
    }
}

// Stops the poller and waits until it no longer touches the database.
void Stop(const AttachmentPtr &a)
{
    {
        std::lock_guard<std::mutex> l(a->mu);
        a->stop.store(true);
    }
    a->cv.notify_all();
    if (a->poller.joinable())
        a->poller.join();
    lsn_tracker_close(a->t);
}

AttachmentPtr Take(bool (*match)(const Attachment *, const void *),
                   const void *arg)
{
    std::lock_guard<std::mutex> l(g_mu);
    for (auto it = g_attached.begin(); it != g_attached.end(); ++it)
        if (match(it->get(), arg)) {
            AttachmentPtr a = *it;
            g_attached.erase(it);
            return a;
        }
    return nullptr;
}

} // namespace

void LagFlushed(DB *db, uint32_t cf_id, SequenceNumber largest_seqno)
{
    std::lock_guard<std::mutex> l(g_mu);
    for (const auto &a : g_attached)
        if (a->db == db && a->key == db->DefaultColumnFamily()) {
            std::lock_guard<std::mutex> m(a->mu);
            for (auto &f : a->cfs)
                if (f.id == cf_id)
                    lsn_lag_flushed(&a->lag, &f.lag, largest_seqno);
        }
}

void LagHandleGone(ColumnFamilyHandle *h)
{
    // The database closing: detach for a host that did not.
    while (AttachmentPtr a = Take(
               [](const Attachment *x, const void *k) { return x->key == k; },
               h))
        Stop(a);
    // One of the watched handles: forget it once no call uses it.
    std::vector<AttachmentPtr> all;
    {
        std::lock_guard<std::mutex> l(g_mu);
        all = g_attached;
    }
    for (const auto &a : all) {
        std::lock_guard<std::mutex> in(a->db_mu);
        std::lock_guard<std::mutex> m(a->mu);
        a->cfs.erase(std::remove_if(a->cfs.begin(), a->cfs.end(),
                                    [h](const Family &f) { return f.h == h; }),
                     a->cfs.end());
    }
}

} // namespace lsn_adapter

using namespace lsn_adapter;

namespace {

// The handle inside the C API's rocksdb_column_family_handle_t: c.cc
// declares it as a struct whose first member is ColumnFamilyHandle* rep.
ColumnFamilyHandle *UnwrapCf(rocksdb_column_family_handle_t *h)
{
    return h ? *reinterpret_cast<ColumnFamilyHandle **>(h) : nullptr;
}

uint64_t MaxLagMs(DB *db)
{
    for (const auto &l : db->GetDBOptions().listeners)
        if (auto *ours = Ours<LsnFlushListener>(l))
            if (ours->options().max_lag_ms)
                return ours->options().max_lag_ms;
    return 0;
}

// The one attach, for both forms: hs empty for the default family alone.
int Attach(lsn_tracker_t *t, DB *db, const std::vector<ColumnFamilyHandle *> &hs)
{
    if (!t || !db || lsn_notify_in_any_callback())
        return LSN_TRACKER_EINVAL;
    try {
        DbIdent id(db, true);
        uint64_t ticket;
        int rc = lsn_tracker_bind(t, &id.c, &ticket);
        if (rc != LSN_TRACKER_OK)
            return rc;
        auto a = std::make_shared<Attachment>();
        a->t = t;
        a->db = db;
        a->key = db->DefaultColumnFamily();
        a->atomic = db->GetDBOptions().atomic_flush;
        lsn_lag_init(&a->lag, static_cast<int64_t>(MaxLagMs(db)), NowMs());
        for (ColumnFamilyHandle *h : hs.empty()
                 ? std::vector<ColumnFamilyHandle *>{db->DefaultColumnFamily()}
                 : hs) {
            if (!h)
                return LSN_TRACKER_EINVAL;
            Family f{h, h->GetID(), {}};
            lsn_lag_cf_init(&f.lag);
            a->cfs.push_back(f);
        }
        std::lock_guard<std::mutex> l(g_mu);
        for (const auto &x : g_attached)
            if (x->t == t)
                return LSN_TRACKER_EBUSY;
        lsn_tracker_retain(t);
        if (a->lag.max_lag_ms > 0)
            a->poller = std::thread(Run, a.get());
        g_attached.push_back(a);
        return LSN_TRACKER_OK;
    } catch (...) {
        return LSN_TRACKER_ENOMEM;
    }
}

// Either form's ncf handles as RocksDB's, through unwrap, then Attach.
template <typename Handle, typename Unwrap>
int AttachHandles(lsn_tracker_t *t, DB *db, Handle *const *cfs, int ncf,
                  Unwrap unwrap)
{
    if (ncf < 0 || (ncf > 0 && !cfs))
        return LSN_TRACKER_EINVAL;
    try {
        std::vector<ColumnFamilyHandle *> hs;
        for (int i = 0; i < ncf; i++)
            hs.push_back(unwrap(cfs[i]));
        return Attach(t, db, hs);
    } catch (...) {
        return LSN_TRACKER_ENOMEM;
    }
}

} // namespace

extern "C" int lsn_tracker_attach(lsn_tracker_t *t, rocksdb_t *cdb,
                                  rocksdb_column_family_handle_t *const *cfs,
                                  int ncf)
{
    return AttachHandles(t, Unwrap(cdb), cfs, ncf, UnwrapCf);
}

// The C++ form: the host's own DB * and ColumnFamilyHandle *s.
extern "C" int lsn_tracker_attach_cxx(lsn_tracker_t *t, void *db,
                                      void *const *cfs, int ncf)
{
    return AttachHandles(t, static_cast<DB *>(db), cfs, ncf, [](void *h) {
        return static_cast<ColumnFamilyHandle *>(h);
    });
}

extern "C" int lsn_tracker_detach(lsn_tracker_t *t)
{
    if (!t || lsn_notify_in_any_callback())
        return LSN_TRACKER_EINVAL;
    AttachmentPtr a =
        Take([](const Attachment *x, const void *k) { return x->t == k; }, t);
    if (!a)
        return LSN_TRACKER_NOT_FOUND;
    Stop(a);
    return LSN_TRACKER_OK;
}
