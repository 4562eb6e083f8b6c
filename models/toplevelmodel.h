#pragma once

#include "etcderror.h"
#include "keylevellister.h"

#include <QAbstractItemModel>
#include <QIcon>

#include <vector>

class EtcdV2Client;
class EtcdV3Client;

// The top level of one keyspace as a flat, two-column item model (name, type), filled by a
// KeyLevelLister as its answers arrive. Rows stay sorted by key bytes. data() never does I/O.
class TopLevelModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Column { NameColumn, TypeColumn, ColumnCount };
    enum Role {
        KeyRole = Qt::UserRole + 1, // QByteArray: the child's full key
        IsDirectoryRole,            // bool: has children
        IsKeyRole,                  // bool: holds a value itself
    };

    explicit TopLevelModel(QObject *parent = nullptr);

    void setIcons(const QIcon &directory, const QIcon &key);

    // Forgets the rows and lists the top level again. The clients must outlive the listing.
    void listV2(EtcdV2Client *client);
    void listV3(EtcdV3Client *client);
    void clear();

    bool isLoading() const { return m_lister.isBusy(); }
    EtcdError lastError() const { return m_error; }
    QByteArray keyAt(int row) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

Q_SIGNALS:
    void loadingStarted();
    void loadingFinished(const EtcdError &error);

private:
    void onEntriesFound(const QList<KeyLevelEntry> &entries);
    void onListingFinished(const EtcdError &error);
    void reset();

    KeyLevelLister m_lister;
    std::vector<KeyLevelEntry> m_rows; // sorted by key bytes, unique keys
    EtcdError m_error;
    QIcon m_directoryIcon;
    QIcon m_keyIcon;
};
