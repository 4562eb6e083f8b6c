#include "keyspacepanel.h"

#include "errortext.h"
#include "keydisplay.h"
#include "keytreedelegate.h"
#include "keytreemodel.h"

#include <QAction>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QProgressBar>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>

KeyspacePanel::KeyspacePanel(KeyTreeModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_filter(new QLineEdit(this))
    , m_filterAction(new QAction(tr("&Filter Keys"), this))
    , m_view(new QTreeView(this))
    , m_busy(new QProgressBar(this))
    , m_status(new QLabel(this))
    , m_filterTimer(new QTimer(this))
    , m_progressTimer(new QTimer(this))
{
    setObjectName(QStringLiteral("keyspacePanel"));
    setAccessibleName(tr("Key tree"));
    m_view->setObjectName(QStringLiteral("keyView"));
    m_view->setAccessibleName(tr("Keys"));
    m_filter->setObjectName(QStringLiteral("filterEdit"));
    m_filter->setAccessibleName(tr("Filter keys"));
    m_status->setObjectName(QStringLiteral("keyspaceStatus"));
    m_status->setAccessibleName(tr("Key tree status"));
    m_busy->setObjectName(QStringLiteral("loadingIndicator"));
    m_busy->setAccessibleName(tr("Loading"));

    m_view->setItemDelegateForColumn(KeyTreeModel::NameColumn, new KeyTreeDelegate(m_view));

    m_filter->setPlaceholderText(tr("Filter loaded keys (Ctrl+F)"));
    m_filter->setClearButtonEnabled(true);
    m_filterAction->setObjectName(QStringLiteral("filterAction"));
    m_filterAction->setShortcut(QKeySequence::Find);
    connect(m_filterAction, &QAction::triggered, this, [this] {
        m_filter->setFocus(Qt::ShortcutFocusReason);
        m_filter->selectAll();
    });
    m_filterTimer->setSingleShot(true);
    m_filterTimer->setInterval(150);
    connect(m_filter, &QLineEdit::textChanged, m_filterTimer, qOverload<>(&QTimer::start));
    connect(m_filterTimer, &QTimer::timeout, this, &KeyspacePanel::applyFilterNow);
    // Enter in the filter applies it at once and goes back to the tree.
    connect(m_filter, &QLineEdit::returnPressed, this, [this] {
        applyFilterNow();
        m_view->setFocus();
    });

    m_view->setModel(m_model);
    // Big directories: uniform rows keep layout O(1) per row.
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    m_view->setAllColumnsShowFocus(true);
    sizeColumns();

    m_busy->setRange(0, 0);
    m_busy->setMaximumWidth(80);
    m_busy->setMaximumHeight(m_status->sizeHint().height());
    m_busy->setTextVisible(false);
    m_busy->hide();
    m_status->setWordWrap(false);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_progressTimer->setInterval(200);
    connect(m_progressTimer, &QTimer::timeout, this, &KeyspacePanel::updateLoadingText);

    auto *statusRow = new QHBoxLayout;
    statusRow->addWidget(m_busy);
    statusRow->addWidget(m_status, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_filter);
    layout->addWidget(m_view, 1);
    layout->addLayout(statusRow);

    connect(m_model, &KeyTreeModel::levelLoadingStarted, this, &KeyspacePanel::onLevelStarted);
    connect(m_model, &KeyTreeModel::levelLoaded, this, &KeyspacePanel::onLevelLoaded);
    connect(m_model, &KeyTreeModel::levelFailed, this, &KeyspacePanel::onLevelFailed);
    // The count shown follows the level as the watch adds and removes rows.
    auto recount = [this](const QModelIndex &parent) {
        if (m_countShown && parent == m_countLevel && !isLoading() && !m_loadingRoot)
            showLevelCount(parent);
    };
    connect(m_model, &QAbstractItemModel::rowsInserted, this,
            [recount](const QModelIndex &parent) { recount(parent); });
    connect(m_model, &QAbstractItemModel::rowsRemoved, this,
            [recount](const QModelIndex &parent) { recount(parent); });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        m_countShown = false;
        m_loading.clear();
        m_loadingRoot = false;
        updateLoadingText();
    });
    showNotConnected(tr("Not connected yet."));
}

void KeyspacePanel::sizeColumns()
{
    // Fixed widths from the font instead of ResizeToContents: measuring contents walks rows on
    // every change, which a directory of 100,000 keys cannot afford.
    QHeaderView *header = m_view->header();
    header->setAccessibleName(tr("Key columns"));
    const QFontMetrics fm = m_view->fontMetrics();
    header->setStretchLastSection(false);
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setSectionResizeMode(KeyTreeModel::ValueColumn, QHeaderView::Stretch);
    const auto width = [&](const QString &sample) {
        return fm.horizontalAdvance(sample) + 16;
    };
    header->resizeSection(KeyTreeModel::NameColumn, width(QString(26, QLatin1Char('x'))));
    // A v3 lease ID in hex (16 digits) or a v2 TTL ("86400 s").
    header->resizeSection(KeyTreeModel::TtlColumn, width(QStringLiteral("7e5c0a1b2c3d4e5f")));
    header->resizeSection(KeyTreeModel::RevisionColumn, width(QStringLiteral("Modified index")));
    header->resizeSection(KeyTreeModel::VersionColumn, width(QStringLiteral("Version")));
}

void KeyspacePanel::showListing(const QString &apiName)
{
    m_filter->setEnabled(true);
    m_view->setEnabled(true);
    setStatus(tr("Listing the %1 keyspace…").arg(apiName));
}

void KeyspacePanel::showNotConnected(const QString &why)
{
    m_loading.clear();
    m_loadingRoot = false;
    m_progressTimer->stop();
    m_busy->hide();
    setStatus(why);
}

QString KeyspacePanel::statusText() const
{
    return m_status->text();
}

void KeyspacePanel::applyFilterNow()
{
    m_filterTimer->stop();
    if (m_model->filterText() != m_filter->text())
        m_model->setFilterText(m_filter->text());
}

void KeyspacePanel::onLevelStarted(const QModelIndex &dir)
{
    if (!dir.isValid())
        m_loadingRoot = true;
    else
        m_loading.emplace_back(dir.siblingAtColumn(0));
    updateLoadingText();
    m_progressTimer->start();
}

void KeyspacePanel::forgetLevel(const QModelIndex &dir)
{
    if (!dir.isValid()) {
        m_loadingRoot = false;
    } else {
        const QModelIndex first = dir.siblingAtColumn(0);
        m_loading.erase(std::remove_if(m_loading.begin(), m_loading.end(),
                                       [&](const QPersistentModelIndex &i) {
                                           return !i.isValid() || i == first;
                                       }),
                        m_loading.end());
    }
    if (m_loading.empty() && !m_loadingRoot)
        m_progressTimer->stop();
}

void KeyspacePanel::onLevelLoaded(const QModelIndex &dir)
{
    forgetLevel(dir);
    if (isLoading() || m_loadingRoot) {
        updateLoadingText();
        return;
    }
    m_busy->hide();
    showLevelCount(dir);
}

void KeyspacePanel::showLevelCount(const QModelIndex &dir)
{
    const int count = m_model->rowCount(dir);
    const QString number = QLocale().toString(count);
    if (!dir.isValid()) {
        setStatus(count == 0 ? tr("The keyspace is empty.")
                             : tr("Names at the top level: %1").arg(number));
    } else {
        setStatus(tr("%1: %2").arg(levelName(dir),
                                   count == 1 ? tr("1 name") : tr("%1 names").arg(number)));
    }
    m_countLevel = dir;
    m_countShown = true;
}

void KeyspacePanel::onLevelFailed(const QModelIndex &dir, const EtcdError &error)
{
    forgetLevel(dir);
    m_busy->setVisible(isLoading() || m_loadingRoot);
    setStatus(tr("Listing %1 failed: %2")
                  .arg(dir.isValid() ? levelName(dir) : tr("the top level"), describeError(error)),
              error.toString());
}

void KeyspacePanel::updateLoadingText()
{
    m_loading.erase(std::remove_if(m_loading.begin(), m_loading.end(),
                                   [](const QPersistentModelIndex &i) { return !i.isValid(); }),
                    m_loading.end());
    if (m_loading.empty() && !m_loadingRoot) {
        m_busy->hide();
        m_progressTimer->stop();
        return;
    }
    m_busy->show();
    const QModelIndex dir = m_loading.empty() ? QModelIndex() : QModelIndex(m_loading.back());
    const int count = m_model->rowCount(dir);
    const QString where = dir.isValid() ? levelName(dir) : tr("the top level");
    QString text = count > 0 ? tr("Loading %1… %2 keys").arg(where, QLocale().toString(count))
                             : tr("Loading %1…").arg(where);
    const int others = int(m_loading.size()) + (m_loadingRoot ? 1 : 0) - 1;
    if (others > 0)
        text += tr(" (and %1 more levels)").arg(others);
    setStatus(text);
}

QString KeyspacePanel::levelName(const QModelIndex &dir) const
{
    return displayKey(dir.data(KeyTreeModel::KeyRole).toByteArray());
}

void KeyspacePanel::setStatus(const QString &text, const QString &toolTip)
{
    m_countShown = false; // showLevelCount() sets it again
    m_status->setToolTip(toolTip);
    m_status->setText(text);
}
