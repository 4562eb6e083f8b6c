#pragma once

#include <QObject>
#include <QString>

class QSocketNotifier;

// The registrar's console: one line per event on stdout (flushed at once: tests and scripts read
// it as it comes), errors on stderr, and the command lines typed on stdin.
namespace Console {
// A line on stdout, flushed.
void say(const QString &line);
// A line on stderr, after the program's name.
void warn(const QString &line);
// Call first in main(): when the program was started with stdin closed, puts /dev/null on fd 0.
// Otherwise the next file Qt opens (its event loop's eventfd) becomes fd 0, and reading "stdin"
// would eat the event loop's wake-ups.
void holdStdin();
} // namespace Console

// Reads stdin line by line without blocking the event loop (a QSocketNotifier on fd 0). At the
// end of the input (a closed pipe, /dev/null) or on a read error it stops reading and says
// nothing: a registrar started in the background simply has no commands.
class StdinReader : public QObject
{
    Q_OBJECT
public:
    explicit StdinReader(QObject *parent = nullptr);

Q_SIGNALS:
    // One line without its line break (and without a trailing '\r').
    void lineRead(const QString &line);

private:
    void onReadable();

    QSocketNotifier *m_notifier = nullptr;
    QByteArray m_buffer;
};
