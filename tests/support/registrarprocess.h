#pragma once

#include <QObject>
#include <QProcess>
#include <QStringList>

#include <functional>
#include <memory>

// The demo registrar (etcdscope-demo-registrar) as a child process of a test: started without
// chaos against one endpoint, driven through its stdin commands, its stdout kept line by line.
// Every wait runs the event loop until a line arrives or the process ends; none sleeps.
class RegistrarProcess : public QObject
{
    Q_OBJECT
public:
    explicit RegistrarProcess(QObject *parent = nullptr);
    ~RegistrarProcess() override; // stop()

    // Starts `--endpoints endpoint --no-chaos` + extraArgs and waits up to 20 s for "ready".
    // False when it did not get there (it exited: see exitCode() and errorOutput()).
    bool start(const QString &endpoint, const QStringList &extraArgs = {});
    // Writes the command and waits for its "ok <cmd>". False on "error <cmd>: …", on time-out or
    // when the process ended.
    bool command(const QString &cmd, int timeoutMs = 10000);
    // Waits for a stdout line containing `substring`, among the lines from index `fromLine` on
    // (0: every line since start, so a line that came already counts).
    bool waitForLine(const QString &substring, int timeoutMs = 10000, int fromLine = 0);
    // Waits for the process to end (after quit, or a failed start).
    bool waitForExit(int timeoutMs = 10000);
    // Sends quit, waits for the exit, kills the process if it does not end.
    void stop();

    QStringList lines() const { return m_lines; }
    int lineCount() const { return int(m_lines.size()); }
    // The first line containing `substring`, or an empty string.
    QString line(const QString &substring) const;
    QString errorOutput() const { return QString::fromUtf8(m_stderr); }
    bool isRunning() const;
    // The exit code once ended; -1 while running, after a crash or without a start.
    int exitCode() const;

    // The registrar binary this build made (ETCDSCOPE_REGISTRAR).
    static QString program();

Q_SIGNALS:
    void lineArrived(const QString &line);

private:
    void onStdout();
    // Runs the event loop until `done` holds, the process ends or the time is up.
    bool waitUntil(const std::function<bool()> &done, int timeoutMs);
    int findLine(const QString &substring, int fromLine) const;

    std::unique_ptr<QProcess> m_process;
    QStringList m_lines;
    QByteArray m_partial;
    QByteArray m_stderr;
};
