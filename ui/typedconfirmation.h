#pragma once

#include <QString>

class QBoxLayout;
class QLineEdit;
class QWidget;

// The production guard rail shared by the delete, member and membership dialogs: "This is a
// production connection (where). Type <expected> to confirm:" and the field to type it in,
// inserted into `layout` at `index` (negative: before the last item, the dialog's buttons).
// The caller enables its button when the field's text equals `expected` exactly.
QLineEdit *addTypedConfirmation(QWidget *dialog, QBoxLayout *layout, const QString &expected,
                                const QString &where, int index = -1);
