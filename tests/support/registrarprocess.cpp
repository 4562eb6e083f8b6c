// The demo registrar as a test's child process.
#include "registrarprocess.h"

#include <QDeadlineTimer>
#include <QEventLoop>
#include <QTimer>

RegistrarProcess::RegistrarProcess(QObject *parent)
    : QObject(parent)
{
}

RegistrarProcess::~RegistrarProcess()
{
    stop();
}

QString RegistrarProcess::program()
{
    return QStringLiteral(ETCDSCOPE_REGISTRAR);
}

bool RegistrarProcess::start(const QString &endpoint, const QStringList &extraArgs)
{
    stop();
    m_lines.clear();
    m_partial.clear();
    m_stderr.clear();
    m_process = std::make_unique<QProcess>();
    connect(m_process.get(), &QProcess::readyReadStandardOutput, this, &RegistrarProcess::onStdout);
    connect(m_process.get(), &QProcess::readyReadStandardError, this,
            [this] { m_stderr += m_process->readAllStandardError(); });
    m_process->start(program(), QStringList{QStringLiteral("--endpoints"), endpoint,
                                            QStringLiteral("--no-chaos")} +
                                    extraArgs);
    if (!m_process->waitForStarted(10000)) {
        m_stderr += m_process->errorString().toUtf8();
        return false;
    }
    return waitForLine(QStringLiteral("ready"), 20000);
}

bool RegistrarProcess::isRunning() const
{
    return m_process && m_process->state() != QProcess::NotRunning;
}

int RegistrarProcess::exitCode() const
{
    if (!m_process || isRunning() || m_process->exitStatus() != QProcess::NormalExit)
        return -1;
    return m_process->exitCode();
}

void RegistrarProcess::onStdout()
{
    m_partial += m_process->readAllStandardOutput();
    qsizetype end;
    while ((end = m_partial.indexOf('\n')) >= 0) {
        const QString line = QString::fromUtf8(m_partial.left(end));
        m_partial.remove(0, end + 1);
        m_lines << line;
        Q_EMIT lineArrived(line);
    }
}

int RegistrarProcess::findLine(const QString &substring, int fromLine) const
{
    for (int i = qMax(0, fromLine); i < m_lines.size(); ++i) {
        if (m_lines.at(i).contains(substring))
            return i;
    }
    return -1;
}

QString RegistrarProcess::line(const QString &substring) const
{
    const int i = findLine(substring, 0);
    return i < 0 ? QString() : m_lines.at(i);
}

bool RegistrarProcess::waitUntil(const std::function<bool()> &done, int timeoutMs)
{
    if (done())
        return true;
    if (!isRunning()) {
        // What the process wrote just before it ended still counts.
        if (m_process)
            onStdout();
        return done();
    }
    // Woken by each line, by the end of the process, or by the deadline: no polling.
    QEventLoop loop;
    QTimer deadline;
    deadline.setSingleShot(true);
    connect(&deadline, &QTimer::timeout, &loop, &QEventLoop::quit);
    connect(this, &RegistrarProcess::lineArrived, &loop, &QEventLoop::quit);
    connect(m_process.get(), &QProcess::finished, &loop, &QEventLoop::quit);
    const QDeadlineTimer until(timeoutMs);
    while (!done() && isRunning() && !until.hasExpired()) {
        deadline.start(int(qMax<qint64>(1, until.remainingTime())));
        loop.exec();
    }
    if (m_process && !isRunning())
        onStdout();
    return done();
}

bool RegistrarProcess::waitForLine(const QString &substring, int timeoutMs, int fromLine)
{
    return waitUntil([&] { return findLine(substring, fromLine) >= 0; }, timeoutMs);
}

bool RegistrarProcess::command(const QString &cmd, int timeoutMs)
{
    if (!isRunning())
        return false;
    // Only an answer after this write counts: the same command may have run before.
    const int from = lineCount();
    m_process->write(cmd.toUtf8() + '\n');
    const QString ok = QStringLiteral("ok ") + cmd;
    const QString error = QStringLiteral("error ") + cmd + QLatin1Char(':');
    bool failed = false;
    const bool answered = waitUntil(
        [&] {
            for (int i = from; i < m_lines.size(); ++i) {
                if (m_lines.at(i) == ok)
                    return true;
                if (m_lines.at(i).startsWith(error)) {
                    failed = true;
                    return true;
                }
            }
            return false;
        },
        timeoutMs);
    return answered && !failed;
}

bool RegistrarProcess::waitForExit(int timeoutMs)
{
    return waitUntil([this] { return !isRunning(); }, timeoutMs);
}

void RegistrarProcess::stop()
{
    if (!m_process)
        return;
    if (isRunning()) {
        m_process->write("quit\n");
        if (!waitForExit(15000)) {
            m_process->kill();
            waitForExit(5000);
        }
    }
    // Keeps the lines and the exit code for the test; the next start() replaces the process.
    m_process->disconnect(this);
}
