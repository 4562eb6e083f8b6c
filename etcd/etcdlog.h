#pragma once

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcEtcdClient)
Q_DECLARE_LOGGING_CATEGORY(lcEtcdWatch)
