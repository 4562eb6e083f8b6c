#include "etcdwatchproto.h"

#include "etcdgrpc.h"
#include "etcdv3client.h"

#include <etcdpb/rpc.pb.h>

#include <google/protobuf/arena.h>
#include <google/protobuf/unknown_field_set.h>

#include <climits>

namespace {

EtcdError protocolError(const QString &what)
{
    return EtcdError::protocol(
        QStringLiteral("the watch stream sent a message that could not be read (%1)").arg(what));
}

QByteArray toBytes(const std::string &s)
{
    return QByteArray(s.data(), qsizetype(s.size()));
}

// Protobuf takes a known field sent with another wire type for an unknown one and parses on;
// etcd never sends such a field, so a message holding one is not etcd's. Names the field, with
// `path` before it. O(unknown fields): nothing for etcd's messages of the version compiled in.
bool misTyped(const google::protobuf::Message &m, const char *path, QString *failed)
{
    const google::protobuf::UnknownFieldSet &unknown = m.GetReflection()->GetUnknownFields(m);
    for (int i = 0; i < unknown.field_count(); ++i) {
        if (const auto *field = m.GetDescriptor()->FindFieldByNumber(unknown.field(i).number())) {
            *failed = QLatin1String(path) + QString::fromStdString(field->name());
            return true;
        }
    }
    return false;
}

// mvccpb.Event as the JSON decoder gives it: a delete's kv holds the key and the revision of
// the delete only.
bool toEvent(const mvccpb::Event &e, EtcdWatchEvent *ev, QString *failed)
{
    if (misTyped(e, "events[].", failed) || misTyped(e.kv(), "events[].kv.", failed) ||
        misTyped(e.prev_kv(), "events[].prev_kv.", failed)) {
        return false;
    }
    if (e.type() != mvccpb::Event::PUT && e.type() != mvccpb::Event::DELETE) {
        *failed = QStringLiteral("events[].type");
        return false;
    }
    const mvccpb::KeyValue &kv = e.kv();
    if (kv.key().empty()) {
        *failed = QStringLiteral("events[].kv.key");
        return false;
    }
    ev->key = toBytes(kv.key());
    ev->revision = kv.mod_revision();
    if (e.has_prev_kv())
        ev->prevValue = toBytes(e.prev_kv().value());
    if (e.type() == mvccpb::Event::DELETE) {
        ev->action = EtcdWatchEvent::Action::Delete;
    } else {
        ev->action =
            kv.version() == 1 ? EtcdWatchEvent::Action::Put : EtcdWatchEvent::Action::Update;
        ev->value = toBytes(kv.value());
        ev->createRevision = kv.create_revision();
        ev->version = kv.version();
        ev->lease = quint64(kv.lease());
    }
    return true;
}

bool toMessage(const etcdserverpb::WatchResponse &m, EtcdV3WatchMessage *out, QString *failed)
{
    if (misTyped(m, "", failed) || misTyped(m.header(), "header.", failed))
        return false;
    const etcdserverpb::ResponseHeader &h = m.header();
    out->header.clusterId = h.cluster_id();
    out->header.memberId = h.member_id();
    out->header.revision = h.revision();
    out->header.raftTerm = h.raft_term();
    out->watchId = m.watch_id();
    out->created = m.created();
    out->canceled = m.canceled();
    out->compactRevision = m.compact_revision();
    out->cancelReason = QString::fromStdString(m.cancel_reason());
    // (fragment is not read: the watch never asks for fragments.)
    out->events.reserve(m.events_size());
    for (const mvccpb::Event &e : m.events()) {
        EtcdWatchEvent ev;
        if (!toEvent(e, &ev, failed))
            return false;
        out->events.append(std::move(ev));
    }
    return true;
}

} // namespace

namespace EtcdWatchProto {

QByteArray encodeCreate(const QByteArray &prefix, qint64 startRevision, bool prevKv)
{
    etcdserverpb::WatchRequest request;
    etcdserverpb::WatchCreateRequest *create = request.mutable_create_request();
    // As for the gateway: the whole keyspace is key "\0" with range_end "\0".
    const QByteArray key = prefix.isEmpty() ? QByteArray(1, '\0') : prefix;
    const QByteArray end = EtcdV3Client::prefixRangeEnd(prefix);
    create->set_key(key.constData(), size_t(key.size()));
    create->set_range_end(end.constData(), size_t(end.size()));
    create->set_start_revision(qMax<qint64>(0, startRevision));
    create->set_progress_notify(true);
    create->set_prev_kv(prevKv);
    return EtcdGrpc::frame(request);
}

EtcdError decodeMessage(const char *data, qsizetype size, EtcdV3WatchMessage *out)
{
    *out = EtcdV3WatchMessage{};
    // One arena for the whole message: a 100,000-event answer is one allocation per block,
    // not several per event, and is freed at once.
    google::protobuf::Arena arena;
    auto *message = google::protobuf::Arena::CreateMessage<etcdserverpb::WatchResponse>(&arena);
    if (size < 0 || size > INT_MAX || !message->ParseFromArray(data, int(size)))
        return protocolError(QStringLiteral("not a watch response"));
    QString failed;
    if (!toMessage(*message, out, &failed)) {
        *out = EtcdV3WatchMessage{};
        return protocolError(QStringLiteral("field %1").arg(failed));
    }
    return {};
}

} // namespace EtcdWatchProto
