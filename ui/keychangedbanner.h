#pragma once

#include <QByteArray>
#include <QFrame>

class QLabel;
class QPushButton;

// An inline banner at the top of the detail pane when the open key changed or went away on the
// server: what happened, at which revision, and the ways on. Changed: "Show difference" and
// "Reload". Deleted: "Create it again with my text" and "Close". Hidden while the editor is in
// step with the server.
class KeyChangedBanner : public QFrame
{
    Q_OBJECT
public:
    enum class Kind { None, Changed, Deleted };

    explicit KeyChangedBanner(QWidget *parent = nullptr);

    // `revision` is a v3 revision or a v2 index (`v2` picks the word).
    void showChanged(const QByteArray &key, qint64 revision, bool v2);
    void showDeleted(qint64 revision, bool v2, bool expired);
    void dismiss();

    Kind kind() const { return m_kind; }
    QString message() const;
    // Without write access the buttons that write are disabled.
    void setWritable(bool writable);

    QPushButton *showDifferenceButton() const { return m_difference; }
    QPushButton *reloadButton() const { return m_reload; }
    QPushButton *recreateButton() const { return m_recreate; }
    QPushButton *closeButton() const { return m_close; }

Q_SIGNALS:
    void showDifferenceRequested();
    void reloadRequested();
    void recreateRequested();
    void closeRequested();

private:
    void setKind(Kind kind);

    Kind m_kind = Kind::None;
    bool m_writable = true;
    QLabel *m_icon;
    QLabel *m_message;
    QPushButton *m_difference;
    QPushButton *m_reload;
    QPushButton *m_recreate;
    QPushButton *m_close;
};
