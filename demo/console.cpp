// The registrar's console: stdout lines, stderr messages, stdin commands.
#include "console.h"

#include <QSocketNotifier>

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

void Console::say(const QString &line)
{
    const QByteArray bytes = line.toUtf8() + '\n';
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
    std::fflush(stdout);
}

void Console::warn(const QString &line)
{
    const QByteArray bytes = "etcdscope-demo-registrar: " + line.toUtf8() + '\n';
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stderr);
    std::fflush(stderr);
}

void Console::holdStdin()
{
    // open() takes the lowest free descriptor: 0 when stdin is closed.
    if (::fcntl(STDIN_FILENO, F_GETFD) == -1 && errno == EBADF)
        ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

StdinReader::StdinReader(QObject *parent)
    : QObject(parent)
{
    // fd 0 is stdin or /dev/null here (Console::holdStdin()); still, nothing to read without it.
    if (::fcntl(STDIN_FILENO, F_GETFD) == -1)
        return;
    m_notifier = new QSocketNotifier(STDIN_FILENO, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &StdinReader::onReadable);
}

void StdinReader::onReadable()
{
    // One read per notification: the notifier fires again while more is waiting, and a single
    // read() after poll() said "readable" never blocks.
    char chunk[4096];
    const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        // End of input (or an error): a last unterminated line still counts, then stop
        // listening. poll() reports EOF as readable forever, so the notifier must go.
        m_notifier->setEnabled(false);
        if (!m_buffer.isEmpty()) {
            const QString last = QString::fromUtf8(m_buffer).trimmed();
            m_buffer.clear();
            if (!last.isEmpty())
                Q_EMIT lineRead(last);
        }
        return;
    }
    m_buffer.append(chunk, int(n));
    qsizetype end;
    while ((end = m_buffer.indexOf('\n')) >= 0) {
        QByteArray line = m_buffer.left(end);
        m_buffer.remove(0, end + 1);
        if (line.endsWith('\r'))
            line.chop(1);
        Q_EMIT lineRead(QString::fromUtf8(line));
    }
}
