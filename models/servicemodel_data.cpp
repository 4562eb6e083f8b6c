#include "servicemodel.h"
#include "servicemodel_p.h"

#include "keydisplay.h"
#include "servicerowtext.h"

#include <QFont>

// What the rows show (their words are ServiceRowText's): counts, names, the header's summary,
// and the QAbstractItemModel side.

QList<QByteArray> ServiceModel::serviceDirectories() const
{
    QList<QByteArray> dirs;
    for (const auto &s : m_services)
        dirs.append(s->dir);
    return dirs;
}

ServiceModel::Counts ServiceModel::counts(const QByteArray &dir) const
{
    Counts c;
    if (const Service *s = service(dir)) {
        for (const auto &inst : s->instances) {
            switch (inst->state) {
            case ServiceInstance::State::Alive:
                ++c.alive;
                break;
            case ServiceInstance::State::Late:
                ++c.late;
                break;
            case ServiceInstance::State::Gone:
                ++c.gone;
                break;
            }
        }
    }
    return c;
}

QString ServiceModel::serviceName(const QByteArray &dir) const
{
    const Service *s = service(dir);
    QString shared;
    bool uniform = s && !s->instances.empty();
    if (s) {
        for (const auto &inst : s->instances) {
            if (inst->typeName.isEmpty() || (!shared.isEmpty() && inst->typeName != shared)) {
                uniform = false;
                break;
            }
            shared = inst->typeName;
        }
    }
    if (uniform)
        return shared;
    const qsizetype cut = dir.lastIndexOf(separator());
    return displayKey(cut >= 0 && cut + 1 < dir.size() ? dir.mid(cut + 1) : dir);
}

QString ServiceModel::summary() const
{
    if (m_services.empty())
        return isRunning() ? tr("No services found") : QString();
    QStringList parts;
    for (const auto &s : m_services)
        parts << tr("%1: %2").arg(serviceName(s->dir), ServiceRowText::counts(counts(s->dir)));
    return parts.join(QStringLiteral(" · "));
}

void ServiceModel::emitSummary()
{
    const QString text = summary();
    if (text == m_lastSummary)
        return;
    m_lastSummary = text;
    Q_EMIT summaryChanged(text);
}

// ---- QAbstractItemModel -----------------------------------------------------------------------

QModelIndex ServiceModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || column < 0 || column >= ColumnCount)
        return {};
    if (!parent.isValid())
        return row < int(m_services.size()) ? createIndex(row, column, nullptr) : QModelIndex();
    if (parent.internalPointer() || parent.row() >= int(m_services.size()))
        return {};
    Service *s = m_services[size_t(parent.row())].get();
    return row < int(s->instances.size()) ? createIndex(row, column, s) : QModelIndex();
}

QModelIndex ServiceModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || !child.internalPointer())
        return {};
    const int row = serviceRow(static_cast<Service *>(child.internalPointer()));
    return row >= 0 ? createIndex(row, 0, nullptr) : QModelIndex();
}

int ServiceModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_services.size());
    if (parent.internalPointer() || parent.column() != 0 || parent.row() >= int(m_services.size()))
        return 0;
    return int(m_services[size_t(parent.row())]->instances.size());
}

int ServiceModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

const ServiceInstance *ServiceModel::instance(const QModelIndex &index) const
{
    if (!index.isValid() || index.model() != this || !index.internalPointer())
        return nullptr;
    const auto *s = static_cast<const Service *>(index.internalPointer());
    return index.row() < int(s->instances.size()) ? s->instances[size_t(index.row())].get()
                                                  : nullptr;
}

QModelIndex ServiceModel::indexForKey(const QByteArray &key, int column) const
{
    const Service *s = service(m_monitor->parentDir(key));
    if (!s)
        return {};
    const ServiceInstance *inst = s->byKey.value(key);
    const int row = inst ? s->rowOf(inst) : -1;
    return row >= 0 ? index(row, column, index(serviceRow(s), 0)) : QModelIndex();
}

QModelIndex ServiceModel::indexForService(const QByteArray &dir, int column) const
{
    const Service *s = service(dir);
    return s ? index(serviceRow(s), column) : QModelIndex();
}

QString ServiceModel::stateName(ServiceInstance::State state)
{
    return ServiceRowText::stateName(state);
}

QVariant ServiceModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    return ServiceRowText::header(section);
}

QVariant ServiceModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.model() != this)
        return {};
    if (!index.internalPointer()) {
        if (index.row() >= int(m_services.size()))
            return {};
        const Service *s = m_services[size_t(index.row())].get();
        switch (role) {
        case KeyRole:
            return s->dir;
        case IsServiceRole:
            return true;
        case Qt::FontRole: {
            QFont f;
            f.setBold(index.column() == NameColumn);
            return f;
        }
        case Qt::ToolTipRole:
            return ServiceRowText::serviceToolTip(s->dir, m_selection.isMarked(s->dir));
        case Qt::DisplayRole:
            if (index.column() == NameColumn)
                return displayKey(s->dir);
            if (index.column() == TypeColumn)
                return serviceName(s->dir);
            if (index.column() == StateColumn)
                return s->listing && s->instances.empty() ? tr("listing…")
                                                          : ServiceRowText::counts(counts(s->dir));
            return {};
        }
        return {};
    }
    const ServiceInstance *inst = instance(index);
    if (!inst)
        return {};
    switch (role) {
    case KeyRole:
        return inst->key;
    case StateRole:
        return int(inst->state);
    case IsServiceRole:
        return false;
    }
    return ServiceRowText::instanceData(*inst, index.column(), role);
}
