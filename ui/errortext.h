#pragma once

#include "etcderror.h"

#include <QString>

// An EtcdError in words a user understands, for banners and status bars: what failed, where,
// and what to check. The raw error is kept for a tooltip (EtcdError::toString()).
QString describeError(const EtcdError &error);

// The same for an operation on `key`, naming it where the condition is about the key: "Directory
// /queue is not empty", "Permission denied for /prod/secret", "Key /a already exists", "Key /a
// was changed at revision 42 by another client" (a conflict, EtcdError::isConflict()).
QString describeKeyError(const EtcdError &error, const QByteArray &key);

// The same for a membership change (add, remove, update, promote), in etcd's terms turned into
// what to do: "the learner is not in sync with the leader yet", "every member must have been
// connected for a few seconds", "the peer URL is already used by a member".
QString describeMemberError(const EtcdError &error);
