#include "keyspacepanel.h"

#include "errortext.h"
#include "toplevelmodel.h"

#include <QHeaderView>
#include <QLabel>
#include <QStyle>
#include <QTreeView>
#include <QVBoxLayout>

KeyspacePanel::KeyspacePanel(QWidget *parent)
    : QWidget(parent)
    , m_model(new TopLevelModel(this))
    , m_header(new QLabel(this))
    , m_view(new QTreeView(this))
    , m_status(new QLabel(this))
{
    setObjectName(QStringLiteral("keyspacePanel"));
    m_view->setObjectName(QStringLiteral("keyView"));
    m_status->setObjectName(QStringLiteral("keyspaceStatus"));
    m_header->setObjectName(QStringLiteral("keyspaceHeader"));

    m_model->setIcons(style()->standardIcon(QStyle::SP_DirIcon),
                      style()->standardIcon(QStyle::SP_FileIcon));
    m_view->setModel(m_model);
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->header()->setStretchLastSection(false);
    m_view->header()->setSectionResizeMode(TopLevelModel::NameColumn, QHeaderView::Stretch);
    m_view->header()->setSectionResizeMode(TopLevelModel::TypeColumn,
                                           QHeaderView::ResizeToContents);

    QFont bold = m_header->font();
    bold.setBold(true);
    m_header->setFont(bold);
    m_status->setWordWrap(true);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_header);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_status);

    connect(m_model, &TopLevelModel::loadingFinished, this, &KeyspacePanel::onLoadingFinished);
    showNotConnected(tr("Not connected yet."));
}

void KeyspacePanel::listV2(EtcdV2Client *client)
{
    m_header->setText(tr("Top level of the v2 keyspace"));
    m_status->setText(tr("Listing…"));
    m_model->listV2(client);
}

void KeyspacePanel::listV3(EtcdV3Client *client)
{
    m_header->setText(tr("Top level of the v3 keyspace"));
    m_status->setText(tr("Listing…"));
    m_model->listV3(client);
}

void KeyspacePanel::showNotConnected(const QString &why)
{
    m_model->clear();
    m_header->setText(tr("Keyspace"));
    m_status->setText(why);
}

QString KeyspacePanel::statusText() const
{
    return m_status->text();
}

void KeyspacePanel::onLoadingFinished(const EtcdError &error)
{
    if (error) {
        m_status->setText(tr("Listing failed: %1").arg(describeError(error)));
        m_status->setToolTip(error.toString());
        return;
    }
    m_status->setToolTip({});
    const int count = m_model->rowCount();
    m_status->setText(count == 0 ? tr("The keyspace is empty.")
                                 : tr("Names at the top level: %1").arg(count));
}
