#include "etcdlog.h"

#include <QString>

namespace {

QtMessageHandler previousHandler = nullptr;

// Qt 6.4 takes the trailers of a unary gRPC answer over HTTP/2 (EtcdWatcher's check of a quiet
// stream's connection, every few seconds) for a second set of headers and complains about
// caching with these two lines on every such answer. Nothing is wrong: they are dropped, every
// other message goes on to the handler that was there before.
void filterQtNoise(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (message.startsWith(QLatin1String("setCachingEnabled:")) ||
        message.startsWith(QLatin1String("QNetworkReplyImpl: backend error: caching was enabled")))
        return;
    if (previousHandler)
        previousHandler(type, context, message);
}

} // namespace

void etcdInstallQtNoiseFilter()
{
    if (previousHandler)
        return;
    previousHandler = qInstallMessageHandler(filterQtNoise);
}
