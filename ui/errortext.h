#pragma once

#include "etcderror.h"

#include <QString>

// An EtcdError in words a user understands, for banners and status bars: what failed, where,
// and what to check. The raw error is kept for a tooltip (EtcdError::toString()).
QString describeError(const EtcdError &error);
