// EtcdV3Json: the fast path for range answers, the hot path of listing (up to 100 MB of JSON).
// simdjson's DOM parser (which picks the SIMD code for the CPU at run time; its On Demand
// parser would be the portable fallback in a generic build) reads the answer as etcd writes it
// (snake_case fields, 64-bit integers as strings, bytes as base64) several times faster than
// QJsonDocument. Anything else (an unknown or repeated field, a number where a string is expected,
// null, bad base64, not JSON at all) makes it give up, and decodeRange falls back to the checking
// decoder, which accepts the other spellings or names the field in its error.
#include "etcdv3json.h"

#include <simdjson.h>

#include <string_view>

namespace {

using namespace simdjson;

constexpr qsizetype kKeptParserBytes = 64 * 1024;

QByteArray latin1View(std::string_view s)
{
    return QByteArray::fromRawData(s.data(), qsizetype(s.size()));
}

bool readString(dom::element &v, std::string_view *out)
{
    return v.get_string().get(*out) == SUCCESS;
}

bool readInt64(dom::element &v, qint64 *out)
{
    std::string_view s;
    return readString(v, &s) && EtcdV3Json::decodeInt64(latin1View(s), out);
}

bool readUInt64(dom::element &v, quint64 *out)
{
    std::string_view s;
    return readString(v, &s) && EtcdV3Json::decodeUInt64(latin1View(s), out);
}

bool readBytes(dom::element &v, QByteArray *out)
{
    std::string_view s;
    if (!readString(v, &s))
        return false;
    auto decoded =
        QByteArray::fromBase64Encoding(latin1View(s), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return false;
    *out = std::move(*decoded);
    return true;
}

// Every field of an object read once through `read(name, value)`; false on anything unexpected.
template<typename Read> bool readObject(dom::element &v, Read read)
{
    dom::object o;
    if (v.get_object().get(o) != SUCCESS)
        return false;
    unsigned seen = 0;
    for (dom::key_value_pair field : o) {
        const int bit = read(field.key, field.value);
        if (bit < 0 || (seen & (1u << bit)))
            return false;
        seen |= 1u << bit;
    }
    return true;
}

bool readHeader(dom::element &v, EtcdV3Header *h)
{
    return readObject(v, [h](std::string_view name, dom::element &value) -> int {
        if (name == "cluster_id")
            return readUInt64(value, &h->clusterId) ? 0 : -1;
        if (name == "member_id")
            return readUInt64(value, &h->memberId) ? 1 : -1;
        if (name == "revision")
            return readInt64(value, &h->revision) ? 2 : -1;
        if (name == "raft_term")
            return readUInt64(value, &h->raftTerm) ? 3 : -1;
        return -1;
    });
}

bool readKeyValue(dom::element &v, EtcdV3KeyValue *kv)
{
    return readObject(v, [kv](std::string_view name, dom::element &value) -> int {
        if (name == "key")
            return readBytes(value, &kv->key) ? 0 : -1;
        if (name == "value")
            return readBytes(value, &kv->value) ? 1 : -1;
        if (name == "create_revision")
            return readInt64(value, &kv->createRevision) ? 2 : -1;
        if (name == "mod_revision")
            return readInt64(value, &kv->modRevision) ? 3 : -1;
        if (name == "version")
            return readInt64(value, &kv->version) ? 4 : -1;
        if (name == "lease")
            return readUInt64(value, &kv->lease) ? 5 : -1;
        return -1;
    });
}

bool readKeyValues(dom::element &v, QList<EtcdV3KeyValue> *kvs)
{
    dom::array a;
    if (v.get_array().get(a) != SUCCESS)
        return false;
    kvs->reserve(qsizetype(a.size()));
    for (dom::element item : a) {
        EtcdV3KeyValue kv;
        if (!readKeyValue(item, &kv))
            return false;
        kvs->append(std::move(kv));
    }
    return true;
}

} // namespace

namespace EtcdV3Json {

bool decodeRangeFast(const QByteArray &body, EtcdV3RangeResult *out)
{
    // A parser keeps buffers of about 15 bytes per byte of the largest document it read: one
    // kept per thread for small answers, a fresh one for big ones so that a page of a listing
    // leaves no tens of megabytes behind (in every thread of the pool).
    thread_local dom::parser smallParser;
    dom::parser bigParser;
    dom::parser &parser = body.size() <= kKeptParserBytes ? smallParser : bigParser;
    const padded_string json(body.constData(), std::size_t(body.size()));
    dom::element root;
    if (parser.parse(json).get(root) != SUCCESS)
        return false;
    EtcdV3RangeResult r;
    const bool ok = readObject(root, [&r](std::string_view name, dom::element &value) -> int {
        if (name == "header")
            return readHeader(value, &r.header) ? 0 : -1;
        if (name == "kvs")
            return readKeyValues(value, &r.kvs) ? 1 : -1;
        if (name == "more")
            return value.get_bool().get(r.more) == SUCCESS ? 2 : -1;
        if (name == "count")
            return readInt64(value, &r.count) ? 3 : -1;
        return -1;
    });
    if (!ok)
        return false;
    *out = std::move(r);
    return true;
}

} // namespace EtcdV3Json
