#include "servicetypesdialog.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSet>
#include <QSignalBlocker>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace {

QString cellText(const QTableWidget *table, int row, int column)
{
    const QTableWidgetItem *item = table->item(row, column);
    return item ? item->text().trimmed() : QString();
}

} // namespace

ServiceTypesDialog::ServiceTypesDialog(const ServiceTypeNames &names, QWidget *parent)
    : QDialog(parent)
    , m_table(new QTableWidget(0, 2, this))
    , m_add(new QPushButton(tr("&Add"), this))
    , m_remove(new QPushButton(tr("&Remove"), this))
    , m_defaults(new QPushButton(tr("Restore &Defaults"), this))
    , m_problem(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("serviceTypesDialog"));
    setWindowTitle(tr("Service Types"));
    setAccessibleName(windowTitle());

    auto *text = new QLabel(
        tr("An instance ID such as 0001-0002 is named by its leading code (0001): the Type "
           "column and the services' names come from this table."),
        this);
    text->setObjectName(QStringLiteral("serviceTypesText"));
    text->setAccessibleName(tr("Explanation"));
    text->setWordWrap(true);

    m_table->setObjectName(QStringLiteral("serviceTypesTable"));
    m_table->setAccessibleName(tr("Service type codes and names"));
    m_table->setHorizontalHeaderLabels({tr("Code"), tr("Name")});
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setColumnWidth(0, 110);

    m_add->setObjectName(QStringLiteral("serviceTypesAddButton"));
    m_add->setAccessibleName(tr("Add a service type"));
    m_remove->setObjectName(QStringLiteral("serviceTypesRemoveButton"));
    m_remove->setAccessibleName(tr("Remove the selected service types"));
    m_defaults->setObjectName(QStringLiteral("serviceTypesDefaultsButton"));
    m_defaults->setAccessibleName(tr("Restore the default service types"));
    m_problem->setObjectName(QStringLiteral("serviceTypesProblem"));
    m_problem->setAccessibleName(tr("Problem with the table"));
    m_problem->setStyleSheet(QStringLiteral("color: #c62828;"));
    m_problem->setWordWrap(true);
    m_buttons->setAccessibleName(tr("Dialog buttons"));
    okButton()->setObjectName(QStringLiteral("serviceTypesOkButton"));

    connect(m_add, &QPushButton::clicked, this, [this] { addRow(); });
    connect(m_remove, &QPushButton::clicked, this, [this] {
        // Bottom up, so that the rows still to remove keep their numbers.
        QList<int> rows;
        for (const QModelIndex &index : m_table->selectionModel()->selectedRows())
            rows << index.row();
        if (rows.isEmpty() && m_table->currentRow() >= 0)
            rows << m_table->currentRow();
        std::sort(rows.rbegin(), rows.rend());
        for (int row : rows)
            m_table->removeRow(row);
        validate();
    });
    connect(m_defaults, &QPushButton::clicked, this, &ServiceTypesDialog::restoreDefaults);
    connect(m_table, &QTableWidget::itemChanged, this, &ServiceTypesDialog::validate);
    connect(m_table, &QTableWidget::itemSelectionChanged, this,
            [this] { m_remove->setEnabled(m_table->currentRow() >= 0); });
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *side = new QVBoxLayout;
    side->addWidget(m_add);
    side->addWidget(m_remove);
    side->addStretch(1);
    side->addWidget(m_defaults);
    auto *middle = new QHBoxLayout;
    middle->addWidget(m_table, 1);
    middle->addLayout(side);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(text);
    layout->addLayout(middle, 1);
    layout->addWidget(m_problem);
    layout->addWidget(m_buttons);

    setEntries(names.entries());
    m_remove->setEnabled(false);
    resize(440, 380);
}

QPushButton *ServiceTypesDialog::okButton() const
{
    return m_buttons->button(QDialogButtonBox::Ok);
}

void ServiceTypesDialog::setEntries(const QList<ServiceTypeNames::Entry> &entries)
{
    const QSignalBlocker blocker(m_table);
    m_table->setRowCount(0);
    for (const ServiceTypeNames::Entry &e : entries) {
        const int row = m_table->rowCount();
        m_table->insertRow(row);
        m_table->setItem(row, 0, new QTableWidgetItem(e.first));
        m_table->setItem(row, 1, new QTableWidgetItem(e.second));
    }
    validate();
}

void ServiceTypesDialog::addRow(const QString &code, const QString &name)
{
    const int row = m_table->rowCount();
    {
        const QSignalBlocker blocker(m_table);
        m_table->insertRow(row);
        m_table->setItem(row, 0, new QTableWidgetItem(code));
        m_table->setItem(row, 1, new QTableWidgetItem(name));
    }
    m_table->setCurrentCell(row, 0);
    if (code.isEmpty() && isVisible())
        m_table->editItem(m_table->item(row, 0));
    validate();
}

void ServiceTypesDialog::restoreDefaults()
{
    setEntries(ServiceTypeNames::defaults());
}

ServiceTypeNames ServiceTypesDialog::typeNames() const
{
    QList<ServiceTypeNames::Entry> entries;
    for (int row = 0; row < m_table->rowCount(); ++row) {
        const QString code = cellText(m_table, row, 0);
        const QString name = cellText(m_table, row, 1);
        if (!code.isEmpty() && !name.isEmpty())
            entries.append({code, name});
    }
    return ServiceTypeNames(entries);
}

void ServiceTypesDialog::validate()
{
    QString problem;
    QSet<QString> codes;
    for (int row = 0; row < m_table->rowCount() && problem.isEmpty(); ++row) {
        const QString code = cellText(m_table, row, 0);
        const QString name = cellText(m_table, row, 1);
        if (code.isEmpty() && name.isEmpty())
            continue; // a row just added; left out when empty
        if (code.isEmpty())
            problem = tr("Row %1 has a name but no code.").arg(row + 1);
        else if (name.isEmpty())
            problem = tr("Code %1 has no name.").arg(code);
        else if (codes.contains(code))
            problem = tr("Code %1 is given twice.").arg(code);
        codes.insert(code);
    }
    m_problem->setText(problem);
    m_problem->setVisible(!problem.isEmpty());
    okButton()->setEnabled(problem.isEmpty());
}
