#pragma once

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcEtcdClient)
Q_DECLARE_LOGGING_CATEGORY(lcEtcdWatch)

// Drops Qt 6.4's two bogus lines about caching that every unary gRPC answer over HTTP/2 causes
// (see etcdlog.cpp). Programs call it once at start; the tests leave Qt's messages as they are.
void etcdInstallQtNoiseFilter();
