#pragma once

#include <QFrame>

class QLabel;
class QPushButton;

// An inline banner across the top of the window for a failed connection: what went wrong in
// words, and a Retry button. Hidden while everything works.
class ConnectionBanner : public QFrame
{
    Q_OBJECT
public:
    explicit ConnectionBanner(QWidget *parent = nullptr);

    // title: one short line ("Cannot reach the cluster"); message: the explanation; details:
    // the raw error for the tooltip.
    void showError(const QString &title, const QString &message, const QString &details = {});
    QString message() const;

Q_SIGNALS:
    void retryRequested();

private:
    QLabel *m_title;
    QLabel *m_message;
    QPushButton *m_retry;
};
