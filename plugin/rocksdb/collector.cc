// LsnCollectorFactory and its collector: RocksDB's table-properties
// collector classes over the core's layout and accumulator.
#include <cstdlib>
#include <new>

#include "adapter.h"

namespace lsn_adapter {

namespace {

const OptionMap &CollectorOptions()
{
    static const OptionMap map = MakeOptionMap(lsn_layout_options);
    return map;
}

// RocksDB calls AddUserKey for every entry of every SST it writes, and
// almost none is an applied-LSN key: the refusal is inline here (type, then
// length and two 8-byte words) and only a candidate costs a call.
class LsnCollector : public TablePropertiesCollector {
  public:
    LsnCollector(lsn_accum_t *acc, const char *property)
        : acc_(acc), property_(property)
    {
        // Unconfigured (no accumulator): nothing matches.
        if (acc_)
            match_ = lsn_accum_layout(acc_)->match;
        else
            lsn_keymatch_none(&match_);
    }
    ~LsnCollector() override { lsn_accum_free(acc_); }

    Status AddUserKey(const Slice &key, const Slice &value, EntryType type,
                      SequenceNumber, uint64_t) override
    {
        // Deletes, merges and blob indexes carry no applied LSN.
        if (type != kEntryPut ||
            !lsn_keymatch_maybe(&match_, key.data(), key.size()))
            return Status::OK();
        return Candidate(key, value); // only a candidate costs a call
    }

    Status Finish(UserCollectedProperties *props) override
    {
        uint8_t *buf;
        size_t len;
        // A partial map could be mistaken for the whole: write none at all.
        if (!acc_ || failed_ ||
            lsn_accum_encode(acc_, &buf, &len) != LSN_TRACKER_OK)
            return Status::OK();
        try {
            (*props)[property_].assign(reinterpret_cast<char *>(buf), len);
            if (uint64_t bad = lsn_accum_bad_values(acc_)) {
                uint8_t v[10];
                (*props)[property_ + LSN_BAD_VALUES_SUFFIX].assign(
                    reinterpret_cast<char *>(v), lsn_prop_encode_count(bad, v));
            }
        } catch (...) {
            props->erase(property_);
        }
        std::free(buf);
        return Status::OK();
    }

    UserCollectedProperties GetReadableProperties() const override
    {
        if (!acc_)
            return {};
        return {{property_, "partitions=" +
                                std::to_string(lsn_accum_count(acc_)) +
                                " max_lsn=" +
                                std::to_string(lsn_accum_max_lsn(acc_)) +
                                " bad_values=" +
                                std::to_string(lsn_accum_bad_values(acc_))}};
    }

    const char *Name() const override { return "LsnCollector"; }

  private:
    __attribute__((noinline)) Status Candidate(const Slice &key,
                                               const Slice &value)
    {
        if (lsn_accum_add_rest(
                acc_, reinterpret_cast<const uint8_t *>(key.data()),
                key.size(), reinterpret_cast<const uint8_t *>(value.data()),
                value.size()) != 0) {
            failed_ = true;
            lsn_keymatch_none(&match_); // out of memory: collect no more
        }
        return Status::OK();
    }

    lsn_keymatch_t match_ = {};
    lsn_accum_t *acc_;
    std::string property_;
    bool failed_ = false;
};

} // namespace

LsnCollectorFactory::LsnCollectorFactory()
{
    lsn_layout_init(&layout_);
    RegisterOptions("LsnCollectorOptions", &layout_, &CollectorOptions());
}

TablePropertiesCollector *
LsnCollectorFactory::CreateTablePropertiesCollector(Context)
{
    // Unconfigured, every 8-byte key would look like a match: collect
    // nothing instead. 7.8.3 does not accept a null collector.
    lsn_accum_t *acc = valid_ ? lsn_accum_new(&layout_) : nullptr;
    auto *c = new (std::nothrow) LsnCollector(acc, layout_.property);
    if (!c)
        lsn_accum_free(acc);
    return c;
}

std::string LsnCollectorFactory::ToString() const
{
    return Describe(kClassName(), lsn_layout_options, &layout_);
}

// Cross-option rules are checked here: 7.8.3 skips PrepareOptions for
// objects parsed inside table_properties_collectors.
Status LsnCollectorFactory::ConfigureOptions(const ConfigOptions &config,
                                             const StringMap &map,
                                             StringMap *unused)
{
    Status s = RejectUnknown(kClassName(), CollectorOptions(), config, map);
    if (s.ok())
        s = TablePropertiesCollectorFactory::ConfigureOptions(config, map,
                                                              unused);
    char err[512];
    valid_ = s.ok() && lsn_layout_check(&layout_, err, sizeof err) == 0;
    if (s.ok() && !valid_)
        s = Status::InvalidArgument(err);
    return s;
}

} // namespace lsn_adapter
