#pragma once

#include "serviceinstance.h"

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QPushButton;
class QTableWidget;

// Edits the table that names service types by the leading code of an instance ID ("0001" →
// "login_server"): rows can be added, removed and edited, and the defaults restored. OK is
// offered only while every row has a code and a name and no code is given twice; the caller
// saves and applies typeNames() when the dialog is accepted.
class ServiceTypesDialog : public QDialog
{
    Q_OBJECT
public:
    explicit ServiceTypesDialog(const ServiceTypeNames &names, QWidget *parent = nullptr);

    // The table as edited (rows in their order on screen).
    ServiceTypeNames typeNames() const;
    QTableWidget *table() const { return m_table; }
    QPushButton *okButton() const;
    QPushButton *addButton() const { return m_add; }
    QPushButton *removeButton() const { return m_remove; }
    QPushButton *defaultsButton() const { return m_defaults; }

    // Adds a row and starts editing its code.
    void addRow(const QString &code = {}, const QString &name = {});
    void restoreDefaults();

private:
    void setEntries(const QList<ServiceTypeNames::Entry> &entries);
    void validate();

    QTableWidget *m_table;
    QPushButton *m_add;
    QPushButton *m_remove;
    QPushButton *m_defaults;
    QLabel *m_problem;
    QDialogButtonBox *m_buttons;
};
