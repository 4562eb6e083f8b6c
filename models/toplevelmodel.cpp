#include "toplevelmodel.h"

#include "keydisplay.h"

#include <algorithm>

namespace {
bool keyLess(const KeyLevelEntry &a, const KeyLevelEntry &b)
{
    return a.key < b.key;
}
} // namespace

TopLevelModel::TopLevelModel(QObject *parent)
    : QAbstractItemModel(parent)
{
    connect(&m_lister, &KeyLevelLister::entriesFound, this, &TopLevelModel::onEntriesFound);
    connect(&m_lister, &KeyLevelLister::finished, this, &TopLevelModel::onListingFinished);
}

void TopLevelModel::setIcons(const QIcon &directory, const QIcon &key)
{
    m_directoryIcon = directory;
    m_keyIcon = key;
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0, NameColumn), index(int(m_rows.size()) - 1, NameColumn),
                           {Qt::DecorationRole});
}

void TopLevelModel::listV2(EtcdV2Client *client)
{
    reset();
    Q_EMIT loadingStarted();
    m_lister.listV2(client, QByteArrayLiteral("/"));
}

void TopLevelModel::listV3(EtcdV3Client *client)
{
    reset();
    Q_EMIT loadingStarted();
    m_lister.listV3(client, QByteArray());
}

void TopLevelModel::clear()
{
    reset();
}

void TopLevelModel::reset()
{
    m_lister.cancel();
    m_error = {};
    if (m_rows.empty())
        return;
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

QByteArray TopLevelModel::keyAt(int row) const
{
    if (row < 0 || row >= int(m_rows.size()))
        return {};
    return m_rows[std::size_t(row)].key;
}

void TopLevelModel::onEntriesFound(const QList<KeyLevelEntry> &entries)
{
    // Entries come sorted and mostly after the last row (the v3 walk moves forward); a name that
    // sorts earlier ("/a" found after "/a-x") or one seen again (a key that is also a
    // directory) is placed or merged one by one.
    std::vector<KeyLevelEntry> tail;
    for (const KeyLevelEntry &entry : entries) {
        if (!tail.empty() && entry.key == tail.back().key) {
            tail.back().isKey |= entry.isKey;
            tail.back().isDirectory |= entry.isDirectory;
            continue;
        }
        if (m_rows.empty() || m_rows.back().key < entry.key) {
            tail.push_back(entry);
            continue;
        }
        auto it = std::lower_bound(m_rows.begin(), m_rows.end(), entry, keyLess);
        const int row = int(it - m_rows.begin());
        if (it != m_rows.end() && it->key == entry.key) {
            const bool wasKey = it->isKey;
            const bool wasDir = it->isDirectory;
            it->isKey |= entry.isKey;
            it->isDirectory |= entry.isDirectory;
            if (wasKey != it->isKey || wasDir != it->isDirectory)
                Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
            continue;
        }
        beginInsertRows({}, row, row);
        m_rows.insert(it, entry);
        endInsertRows();
    }
    if (tail.empty())
        return;
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + int(tail.size()) - 1);
    m_rows.insert(m_rows.end(), tail.begin(), tail.end());
    endInsertRows();
}

void TopLevelModel::onListingFinished(const EtcdError &error)
{
    m_error = error;
    Q_EMIT loadingFinished(error);
}

QModelIndex TopLevelModel::index(int row, int column, const QModelIndex &parent) const
{
    if (parent.isValid() || row < 0 || row >= int(m_rows.size()) || column < 0 ||
        column >= ColumnCount)
        return {};
    return createIndex(row, column);
}

QModelIndex TopLevelModel::parent(const QModelIndex &) const
{
    return {};
}

int TopLevelModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int TopLevelModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TopLevelModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const KeyLevelEntry &entry = m_rows[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        if (index.column() == NameColumn)
            return displayKey(entry.key);
        if (entry.isKey && entry.isDirectory)
            return tr("Key and directory");
        return entry.isDirectory ? tr("Directory") : tr("Key");
    case Qt::ToolTipRole:
        return displayKey(entry.key);
    case Qt::DecorationRole:
        if (index.column() != NameColumn)
            return {};
        return entry.isDirectory ? m_directoryIcon : m_keyIcon;
    case KeyRole:
        return entry.key;
    case IsDirectoryRole:
        return entry.isDirectory;
    case IsKeyRole:
        return entry.isKey;
    default:
        return {};
    }
}

QVariant TopLevelModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Name");
    case TypeColumn:
        return tr("Type");
    default:
        return {};
    }
}

QHash<int, QByteArray> TopLevelModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractItemModel::roleNames();
    names.insert(KeyRole, "key");
    names.insert(IsDirectoryRole, "isDirectory");
    names.insert(IsKeyRole, "isKey");
    return names;
}
