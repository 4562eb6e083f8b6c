#include "servicespanel.h"

#include "keydisplay.h"
#include "keyinput.h"
#include "servicedetailsview.h"
#include "servicedirectorystore.h"
#include "servicemodel.h"
#include "servicestyle.h"
#include "servicetypesdialog.h"

#include <QAction>
#include <QClipboard>
#include <QEvent>
#include <QFontMetrics>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHash>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTextDocumentFragment>
#include <QTimer>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

namespace {

// Health at a glance: the state cell in its colour, a gone instance greyed and in italics. The
// model's own foreground, where it gives one, wins.
class ServiceStateDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        const bool modelColours = index.data(Qt::ForegroundRole).isValid();
        if (index.data(ServiceModel::IsServiceRole).toBool()) {
            if (index.column() != ServiceModel::StateColumn || modelColours)
                return;
            const auto *model = qobject_cast<const ServiceModel *>(index.model());
            if (!model)
                return;
            const ServiceModel::Counts c =
                model->counts(index.data(ServiceModel::KeyRole).toByteArray());
            const QColor colour = c.late > 0    ? ServiceStyle::lateColour()
                                  : c.alive > 0 ? ServiceStyle::aliveColour()
                                                : ServiceStyle::goneColour();
            option->palette.setColor(QPalette::Text, colour);
            return;
        }
        const QVariant state = index.data(ServiceModel::StateRole);
        if (!state.isValid())
            return;
        const auto s = ServiceInstance::State(state.toInt());
        if (s == ServiceInstance::State::Gone)
            option->font.setItalic(true);
        if (modelColours)
            return;
        if (s == ServiceInstance::State::Gone) {
            option->palette.setColor(QPalette::Text, ServiceStyle::goneColour());
        } else if (index.column() == ServiceModel::StateColumn) {
            option->palette.setColor(QPalette::Text, ServiceStyle::colour(s));
            option->font.setBold(true);
        }
    }
};

} // namespace

ServicesPanel::ServicesPanel(ServiceModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_header(new QLabel(this))
    , m_filter(new QLineEdit(this))
    , m_view(new QTreeView(this))
    , m_filterTimer(new QTimer(this))
{
    setObjectName(QStringLiteral("servicesPanel"));
    setAccessibleName(tr("Services"));
    createActions();

    m_header->setObjectName(QStringLiteral("servicesHeader"));
    m_header->setAccessibleName(tr("Instances by service and state"));
    m_header->setTextFormat(Qt::RichText);
    m_header->setWordWrap(true);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_filter->setObjectName(QStringLiteral("servicesFilter"));
    m_filter->setAccessibleName(tr("Filter instances by ID, address or type"));
    m_filter->setPlaceholderText(tr("Filter by ID, address or type"));
    m_filter->setClearButtonEnabled(true);
    // A handful of services: walking them on every keystroke is cheap.
    connect(m_filter, &QLineEdit::textChanged, this, &ServicesPanel::applyRowFilter);

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_filter, 1);
    const struct
    {
        Action id;
        const char *name;
    } buttons[] = {{ShowGone, "servicesShowGoneButton"},
                   {ShowDirectory, "servicesShowDirectoryButton"},
                   {AutoDetect, "servicesAutoDetectButton"},
                   {ServiceTypes, "servicesTypesButton"}};
    for (const auto &b : buttons) {
        auto *button = new QToolButton(this);
        button->setObjectName(QLatin1String(b.name));
        button->setDefaultAction(m_actions[b.id]);
        button->setAccessibleName(m_actions[b.id]->toolTip());
        button->setToolButtonStyle(Qt::ToolButtonTextOnly);
        button->setFocusPolicy(Qt::StrongFocus);
        bar->addWidget(button);
        if (b.id == ShowGone)
            bar->addWidget(createRetentionBox());
    }

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setObjectName(QStringLiteral("servicesSplitter"));
    splitter->setAccessibleName(tr("Services and the selected instance"));
    splitter->setChildrenCollapsible(false);

    m_view->setObjectName(QStringLiteral("servicesView"));
    m_view->setAccessibleName(tr("Services and their instances"));
    m_view->header()->setAccessibleName(tr("Service columns"));
    m_view->setUniformRowHeights(true);
    m_view->setAllColumnsShowFocus(true);
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setTextElideMode(Qt::ElideRight);
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    m_view->setItemDelegate(new ServiceStateDelegate(m_view));
    m_view->setModel(m_model);
    splitter->addWidget(m_view);

    const QFontMetrics metrics(m_view->font());
    const int pad = metrics.horizontalAdvance(QLatin1Char('M')) * 2;
    const auto width = [&](const QString &sample) {
        return metrics.horizontalAdvance(sample) + pad;
    };
    QHeaderView *header = m_view->header();
    header->setStretchLastSection(false);
    // The ID column is indented under its service; room for "login_servers" or "0001-0012".
    // Most telling first: what, which kind, how healthy, where, how long left; the rest of
    // the columns (TTL, lease, heartbeat, interval, flaps) are a scroll away.
    // Service rows are bold; their instances are indented one level.
    QFont bold = m_view->font();
    bold.setBold(true);
    header->resizeSection(ServiceModel::NameColumn,
                          QFontMetrics(bold).horizontalAdvance(QStringLiteral("/route_servers")) +
                              pad + m_view->indentation());
    header->resizeSection(ServiceModel::TypeColumn, width(QStringLiteral("login_server")));
    header->resizeSection(ServiceModel::StateColumn,
                          width(QStringLiteral("late (12 s since heartbeat)")));
    header->resizeSection(ServiceModel::AddressColumn,
                          width(QStringLiteral("10.100.100.100:8008")));
    header->resizeSection(ServiceModel::RemainingColumn, width(QStringLiteral("Expires in")));
    header->resizeSection(ServiceModel::TtlColumn, width(QStringLiteral("TTL 00")));
    header->resizeSection(ServiceModel::LeaseColumn,
                          width(QStringLiteral("694d8a1b2c3d4e5f (+1)")));
    header->resizeSection(ServiceModel::RefreshColumn, width(QStringLiteral("Last heartbeat")));
    header->resizeSection(ServiceModel::IntervalColumn, width(QStringLiteral("Interval")));
    header->resizeSection(ServiceModel::FlapsColumn, width(QStringLiteral("Flaps")));

    m_details = new ServiceDetailsView(m_model, splitter);
    splitter->addWidget(m_details);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({720, 360});

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 0);
    layout->addWidget(m_header);
    layout->addLayout(bar);
    layout->addWidget(splitter, 1);

    // Rows come and go and change state with the watch; the filter is applied again once per
    // event-loop turn, however many signals came.
    m_filterTimer->setSingleShot(true);
    m_filterTimer->setInterval(0);
    connect(m_filterTimer, &QTimer::timeout, this, &ServicesPanel::applyRowFilter);
    connect(m_model, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &parent, int first, int last) {
                if (!parent.isValid())
                    expandNewServices(first, last);
                scheduleRowFilter();
            });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        m_view->expandAll();
        scheduleRowFilter();
    });
    connect(m_model, &QAbstractItemModel::layoutChanged, this, &ServicesPanel::scheduleRowFilter);
    connect(m_model, &QAbstractItemModel::rowsMoved, this, &ServicesPanel::scheduleRowFilter);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &ServicesPanel::scheduleRowFilter);
    connect(m_model, &ServiceModel::summaryChanged, this, &ServicesPanel::updateHeader);
    connect(m_model, &ServiceModel::servicesChanged, this, &ServicesPanel::updateHeader);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex &current) { onCurrentChanged(current); });
    connect(m_view, &QWidget::customContextMenuRequested, this, &ServicesPanel::onContextMenu);
    m_view->viewport()->installEventFilter(this);
    connect(m_view, &QAbstractItemView::clicked, this, [this](const QModelIndex &index) {
        if (m_currentChanges != m_currentChangesAtPress)
            return; // the press made the row current, which activated it
        const QModelIndex row = index.siblingAtColumn(0);
        if (!row.data(ServiceModel::IsServiceRole).toBool())
            Q_EMIT keyActivated(row.data(ServiceModel::KeyRole).toByteArray());
    });

    setTabOrder(m_filter, m_view);
    updateHeader();
    m_view->expandAll();
}

ServicesPanel::~ServicesPanel()
{
    // QWidget's destructor deletes the view after this object stopped being a ServicesPanel:
    // nothing of the view may call back into it then. (The model may be gone already: the
    // window that owns it deletes it before the dock that holds this panel.)
    m_view->viewport()->removeEventFilter(this);
    m_view->selectionModel()->disconnect(this);
}

void ServicesPanel::createActions()
{
    const struct
    {
        Action id;
        QString text;
        QString tip;
        const char *name;
        bool checkable;
    } specs[] = {
        {ShowDirectory, tr("Show Directory as Services…"),
         tr("Show a directory's keys as the instances of a service"),
         "showDirectoryAsServicesAction", false},
        {AutoDetect, tr("Recognise automatically"),
         tr("Show directories whose keys mostly have a TTL or a lease as services"),
         "autoDetectServicesAction", true},
        {ServiceTypes, tr("Service Types…"),
         tr("Name service types by the leading code of instance IDs"), "serviceTypesAction", false},
        {ShowGone, tr("Show gone"), tr("Show instances that expired or were deleted, greyed"),
         "showGoneInstancesAction", true},
    };
    for (const auto &spec : specs) {
        auto *a = new QAction(spec.text, this);
        a->setObjectName(QLatin1String(spec.name));
        a->setToolTip(spec.tip);
        a->setCheckable(spec.checkable);
        m_actions[spec.id] = a;
    }
    m_actions[AutoDetect]->setChecked(m_model->autoDetect());
    m_actions[ShowGone]->setChecked(true);
    connect(m_actions[ShowDirectory], &QAction::triggered, this, &ServicesPanel::askForDirectory);
    connect(m_actions[AutoDetect], &QAction::toggled, m_model, &ServiceModel::setAutoDetect);
    connect(m_actions[ServiceTypes], &QAction::triggered, this, &ServicesPanel::openServiceTypes);
    connect(m_actions[ShowGone], &QAction::toggled, this, &ServicesPanel::applyRowFilter);
}

QWidget *ServicesPanel::createRetentionBox()
{
    // How long a gone instance stays (greyed): the user's, for every connection.
    auto *box = new QSpinBox(this);
    box->setObjectName(QStringLiteral("servicesGoneRetention"));
    box->setAccessibleName(tr("Minutes a gone instance stays listed"));
    box->setToolTip(tr("How long an instance that went stays listed, greyed"));
    box->setRange(1, 24 * 60);
    box->setPrefix(tr("for "));
    box->setSuffix(tr(" min"));
    QSettings settings;
    box->setValue(settings.value(QStringLiteral("services/goneRetentionMinutes"), 10).toInt());
    m_model->setGoneRetentionMs(qint64(box->value()) * 60 * 1000);
    connect(box, &QSpinBox::valueChanged, this, [this](int minutes) {
        m_model->setGoneRetentionMs(qint64(minutes) * 60 * 1000);
        QSettings().setValue(QStringLiteral("services/goneRetentionMinutes"), minutes);
    });
    return box;
}

void ServicesPanel::setProfileKey(const QString &key)
{
    m_profileKey = key;
    ServiceDirectoryStore(key).loadInto(m_model);
    m_model->setTypeNames(ServiceTypeNames::load());
}

void ServicesPanel::saveDirectories()
{
    ServiceDirectoryStore(m_profileKey).saveFrom(m_model);
}

void ServicesPanel::setShownAsServices(const QByteArray &dir, bool shown)
{
    if (dir.isEmpty())
        return;
    if (shown) {
        // Marked wins over an earlier "stop showing".
        m_model->setHidden(dir, false);
        m_model->setMarked(dir, true);
        Q_EMIT statusMessage(tr("%1 is shown as services.").arg(displayKey(dir)));
    } else {
        m_model->setMarked(dir, false);
        // Still a service: it was recognised by itself, and stays away only when hidden.
        if (m_model->isServiceDirectory(dir))
            m_model->setHidden(dir, true);
        Q_EMIT statusMessage(tr("%1 is no longer shown as services.").arg(displayKey(dir)));
    }
    saveDirectories();
}

void ServicesPanel::updateHeader()
{
    const QList<QByteArray> dirs = m_model->serviceDirectories();
    if (dirs.isEmpty()) {
        m_header->setText(m_model->summary().toHtmlEscaped());
        return;
    }
    // Two directories of the same type (the servers and their load reports) are told apart by
    // their directory.
    QHash<QString, int> nameUses;
    for (const QByteArray &dir : dirs)
        ++nameUses[m_model->serviceName(dir)];
    QStringList parts;
    for (const QByteArray &dir : dirs) {
        const ServiceModel::Counts c = m_model->counts(dir);
        QString name = m_model->serviceName(dir);
        if (nameUses.value(name) > 1)
            name = tr("%1 (%2)").arg(name, displayKey(dir));
        QStringList counts;
        const auto add = [&](int n, ServiceInstance::State state) {
            if (n > 0)
                counts << QStringLiteral("<span style=\"color:%1\">%2 %3</span>")
                              .arg(ServiceStyle::colour(state).name())
                              .arg(n)
                              .arg(ServiceModel::stateName(state).toHtmlEscaped());
        };
        add(c.alive, ServiceInstance::State::Alive);
        add(c.late, ServiceInstance::State::Late);
        add(c.gone, ServiceInstance::State::Gone);
        if (counts.isEmpty())
            counts << tr("no instances").toHtmlEscaped();
        parts << QStringLiteral("<b>%1</b>: %2")
                     .arg(name.toHtmlEscaped(), counts.join(QStringLiteral(", ")));
    }
    m_header->setText(parts.join(QStringLiteral(" &nbsp;·&nbsp; ")));
}

QString ServicesPanel::headerText() const
{
    QTextDocumentFragment fragment = QTextDocumentFragment::fromHtml(m_header->text());
    return fragment.toPlainText().simplified();
}

void ServicesPanel::scheduleRowFilter()
{
    if (!m_filterTimer->isActive())
        m_filterTimer->start();
}

bool ServicesPanel::instanceMatches(const QModelIndex &index, const QString &text) const
{
    for (int column :
         {ServiceModel::NameColumn, ServiceModel::AddressColumn, ServiceModel::TypeColumn}) {
        if (index.siblingAtColumn(column).data().toString().contains(text, Qt::CaseInsensitive))
            return true;
    }
    return displayKey(index.data(ServiceModel::KeyRole).toByteArray())
        .contains(text, Qt::CaseInsensitive);
}

void ServicesPanel::applyRowFilter()
{
    // Service lists are short (tens of rows): rows are hidden in the view, no proxy model.
    m_filterTimer->stop();
    const QString text = m_filter->text().trimmed();
    const bool showGone = m_actions[ShowGone]->isChecked();
    const auto setHidden = [this](int row, const QModelIndex &parent, bool hidden) {
        if (m_view->isRowHidden(row, parent) != hidden)
            m_view->setRowHidden(row, parent, hidden);
    };
    for (int s = 0; s < m_model->rowCount(); ++s) {
        const QModelIndex service = m_model->index(s, 0);
        const QByteArray dir = service.data(ServiceModel::KeyRole).toByteArray();
        const bool serviceMatches = text.isEmpty() ||
                                    displayKey(dir).contains(text, Qt::CaseInsensitive) ||
                                    m_model->serviceName(dir).contains(text, Qt::CaseInsensitive);
        int shown = 0;
        for (int i = 0; i < m_model->rowCount(service); ++i) {
            const QModelIndex inst = m_model->index(i, 0, service);
            const bool gone =
                inst.data(ServiceModel::StateRole).toInt() == int(ServiceInstance::State::Gone);
            const bool show =
                (showGone || !gone) && (serviceMatches || instanceMatches(inst, text));
            setHidden(i, service, !show);
            shown += show ? 1 : 0;
        }
        setHidden(s, {}, !(serviceMatches || shown > 0));
    }
}

bool ServicesPanel::isRowShown(const QModelIndex &index) const
{
    for (QModelIndex i = index.siblingAtColumn(0); i.isValid(); i = i.parent()) {
        if (m_view->isRowHidden(i.row(), i.parent()))
            return false;
    }
    return index.isValid();
}

void ServicesPanel::expandNewServices(int first, int last)
{
    for (int row = first; row <= last; ++row)
        m_view->expand(m_model->index(row, 0));
}

bool ServicesPanel::selectKey(const QByteArray &key)
{
    QModelIndex index = m_model->indexForKey(key);
    if (!index.isValid())
        index = m_model->indexForService(key);
    if (!index.isValid())
        return false;
    m_view->setCurrentIndex(index);
    m_view->scrollTo(index);
    return true;
}

bool ServicesPanel::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_view->viewport() && event->type() == QEvent::MouseButtonPress)
        m_currentChangesAtPress = m_currentChanges;
    return QWidget::eventFilter(watched, event);
}

void ServicesPanel::onCurrentChanged(const QModelIndex &current)
{
    ++m_currentChanges;
    const QModelIndex index = current.siblingAtColumn(0);
    const QByteArray key = index.data(ServiceModel::KeyRole).toByteArray();
    const bool isService = index.data(ServiceModel::IsServiceRole).toBool();
    m_details->showKey(key, isService);
    if (!key.isEmpty() && !isService)
        Q_EMIT keyActivated(key);
}

void ServicesPanel::onContextMenu(const QPoint &pos)
{
    const QModelIndex index = m_view->indexAt(pos).siblingAtColumn(0);
    if (!index.isValid())
        return;
    m_view->setCurrentIndex(index);
    const QByteArray key = index.data(ServiceModel::KeyRole).toByteArray();
    auto *menu = new QMenu(this);
    menu->setObjectName(QStringLiteral("servicesContextMenu"));
    menu->setAccessibleName(tr("Service actions"));
    menu->setAttribute(Qt::WA_DeleteOnClose);
    if (index.data(ServiceModel::IsServiceRole).toBool()) {
        QAction *stop = menu->addAction(tr("Stop Showing as Services"), this,
                                        [this, key] { setShownAsServices(key, false); });
        stop->setObjectName(QStringLiteral("stopShowingServicesAction"));
    } else {
        QAction *copyKey = menu->addAction(tr("Copy Key"), this, [this, key] {
            QGuiApplication::clipboard()->setText(displayKey(key));
            Q_EMIT statusMessage(tr("Copied %1").arg(displayKey(key)));
        });
        copyKey->setObjectName(QStringLiteral("copyInstanceKeyAction"));
        const ServiceInstance *inst = m_model->instance(key);
        const QString address = inst && inst->address.parsed ? inst->address.text() : QString();
        QAction *copyAddress = menu->addAction(tr("Copy Address"), this, [this, address] {
            QGuiApplication::clipboard()->setText(address);
            Q_EMIT statusMessage(tr("Copied %1").arg(address));
        });
        copyAddress->setObjectName(QStringLiteral("copyInstanceAddressAction"));
        copyAddress->setEnabled(!address.isEmpty());
    }
    QAction *show =
        menu->addAction(tr("Show in Tree"), this, [this, key] { Q_EMIT keyActivated(key); });
    show->setObjectName(QStringLiteral("showInTreeAction"));
    menu->popup(m_view->viewport()->mapToGlobal(pos));
}

void ServicesPanel::askForDirectory()
{
    auto *dialog = new QInputDialog(this);
    dialog->setObjectName(QStringLiteral("showDirectoryDialog"));
    dialog->setWindowTitle(tr("Show Directory as Services"));
    dialog->setAccessibleName(dialog->windowTitle());
    dialog->setLabelText(tr("Each key in this directory is shown as an instance of a service, "
                            "whether or not it has a TTL or a lease.\n\nDirectory:"));
    dialog->setTextValue(QString(QLatin1Char(m_separator)));
    dialog->setOkButtonText(tr("Show as Services"));
    connect(dialog, &QInputDialog::textValueSelected, this, [this](const QString &text) {
        QByteArray dir = keyFromDisplay(text.trimmed());
        // "/config/" and "/config" name the same directory; the model takes the latter.
        while (dir.size() > 1 && dir.endsWith(m_separator))
            dir.chop(1);
        if (!dir.isEmpty() && dir != QByteArray(1, m_separator))
            setShownAsServices(dir, true);
    });
    openTracked(dialog);
}

void ServicesPanel::openServiceTypes()
{
    auto *dialog = new ServiceTypesDialog(m_model->typeNames(), this);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const ServiceTypeNames names = dialog->typeNames();
        names.save();
        m_model->setTypeNames(names);
        updateHeader();
        m_details->refresh();
        Q_EMIT statusMessage(tr("Service types saved."));
    });
    openTracked(dialog);
}

void ServicesPanel::openTracked(QDialog *dialog)
{
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_dialog = dialog;
    dialog->open();
}

QString ServicesPanel::detailsText() const
{
    return m_details->text();
}
