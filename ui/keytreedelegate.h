#pragma once

#include <QIcon>
#include <QStyledItemDelegate>

// How the rows of a key tree (KeyTreeModel) are drawn: the name with the style's folder icon for
// a directory and its file icon for a key. The model holds no icons.
class KeyTreeDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    explicit KeyTreeDelegate(QWidget *view);

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override;

private:
    QIcon m_directoryIcon;
    QIcon m_keyIcon;
};
