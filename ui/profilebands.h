#pragma once

#include <QWidget>

struct ConnectionProfile;
class QLabel;

// The bands above the window's content that say what the connection is: the profile's
// environment (its colour, its name; production in capitals, saying that deletes and
// membership changes ask to type the name) and, while certificates are not verified, a warning.
class ProfileBands : public QWidget
{
    Q_OBJECT
public:
    explicit ProfileBands(QWidget *parent = nullptr);

    void setProfile(const ConnectionProfile &profile);
    // What a user types to confirm a delete or a membership change on a production profile
    // ("Production · orders-prod"); empty for the others.
    static QString typedConfirmation(const ConnectionProfile &profile);
    // "orders-prod [PRODUCTION] — etcdscope — https://…", with the read-only and unverified
    // certificate marks.
    static QString windowTitle(const ConnectionProfile &profile, const QString &endpoint,
                               bool insecure, bool readOnly);
    void setInsecureWarningShown(bool shown);
    // What the environment band says (empty when hidden).
    QString environmentText() const;
    bool isInsecureWarningShown() const;

private:
    QLabel *m_environment;
    QLabel *m_insecure;
};
