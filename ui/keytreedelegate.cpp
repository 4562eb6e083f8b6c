#include "keytreedelegate.h"

#include "keytreemodel.h"

#include <QStyle>
#include <QWidget>

KeyTreeDelegate::KeyTreeDelegate(QWidget *view)
    : QStyledItemDelegate(view)
    , m_directoryIcon(view->style()->standardIcon(QStyle::SP_DirIcon))
    , m_keyIcon(view->style()->standardIcon(QStyle::SP_FileIcon))
{
}

void KeyTreeDelegate::initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    if (index.column() != KeyTreeModel::NameColumn)
        return;
    option->icon = index.data(KeyTreeModel::IsDirectoryRole).toBool() ? m_directoryIcon : m_keyIcon;
    option->features |= QStyleOptionViewItem::HasDecoration;
}
