#include "valueeditor.h"

#include "jsonhighlighter.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSignalBlocker>
#include <QTextDocument>
#include <QVBoxLayout>

namespace {

constexpr ValueCodec::Mode allModes[] = {ValueCodec::Mode::Text, ValueCodec::Mode::Json,
                                         ValueCodec::Mode::Hex, ValueCodec::Mode::Base64};

// The editor's text exactly as typed. QPlainTextEdit::toPlainText() would turn non-breaking
// spaces into plain spaces; the raw text only needs its block separators made newlines again.
QString editorText(const QPlainTextEdit *edit)
{
    QString text = edit->document()->toRawText();
    text.replace(QChar::ParagraphSeparator, QLatin1Char('\n'));
    return text;
}

} // namespace

ValueEditor::ValueEditor(QWidget *parent)
    : QWidget(parent)
    , m_modeBox(new QComboBox(this))
    , m_edit(new QPlainTextEdit(this))
    , m_message(new QLabel(this))
    , m_highlighter(new JsonHighlighter(this))
{
    setAccessibleName(tr("Value editor"));

    auto *modeLabel = new QLabel(tr("&View as:"), this);
    modeLabel->setBuddy(m_modeBox);
    for (const auto mode : allModes)
        m_modeBox->addItem(ValueCodec::modeName(mode), int(mode));
    m_modeBox->setAccessibleName(tr("Value view mode"));
    m_modeBox->setToolTip(tr("Show and edit the value as text, JSON, hex or base64"));

    m_edit->setAccessibleName(tr("Value"));
    m_edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_edit->setTabChangesFocus(false);

    m_message->setAccessibleName(tr("Value editor message"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_message->hide();

    auto *top = new QHBoxLayout;
    top->setContentsMargins(0, 0, 0, 0);
    top->addWidget(modeLabel);
    top->addWidget(m_modeBox);
    top->addStretch(1);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(m_edit, 1);
    layout->addWidget(m_message);

    connect(m_modeBox, &QComboBox::activated, this, &ValueEditor::onModeActivated);
    connect(m_edit->document(), &QTextDocument::modificationChanged, this, [this](bool modified) {
        if (!m_settingText)
            setModified(modified);
    });
}

ValueEditor::~ValueEditor() = default;

void ValueEditor::setValue(const QByteArray &value)
{
    m_original = value;
    m_modified = false;
    Mode mode = Mode::Text;
    QString text;
    if (ValueCodec::isBinary(value)) {
        mode = m_preferred == Mode::Base64 ? Mode::Base64 : Mode::Hex;
    } else if (m_preferred == Mode::Text && ValueCodec::isJsonDocument(value)) {
        // A JSON object or array opens pretty-printed; until edited, value() is the original.
        mode = ValueCodec::encode(Mode::Json, value, &text) ? Mode::Text : Mode::Json;
    } else if (m_preferred != Mode::Text) {
        // The mode the user chose last, when this value can be shown in it.
        mode = ValueCodec::encode(m_preferred, value, &text) ? Mode::Text : m_preferred;
    }
    if (ValueCodec::Error e = ValueCodec::encode(mode, value, &text)) {
        mode = Mode::Hex; // cannot happen for Text of a non-binary value; hex always works
        ValueCodec::encode(mode, value, &text);
    }
    const bool modeChangedNow = mode != m_mode;
    m_mode = mode;
    setLineEndingFrom(value);
    selectModeInBox();
    showText(text);
    showMessage({});
    setModified(false);
    if (modeChangedNow)
        Q_EMIT modeChanged(m_mode);
}

void ValueEditor::clear()
{
    m_original.clear();
    showText({});
    showMessage({});
    setModified(false);
}

ValueCodec::Decoded ValueEditor::value() const
{
    if (!m_modified)
        return ValueCodec::Decoded{m_original, {}};
    QString text = editorText(m_edit);
    if (m_crlf && m_mode == Mode::Text)
        text.replace(QLatin1Char('\n'), QLatin1String("\r\n"));
    return ValueCodec::decode(m_mode, text);
}

void ValueEditor::setLineEndingFrom(const QByteArray &bytes)
{
    m_crlf = ValueCodec::lineEnding(bytes) == ValueCodec::LineEnding::CrLf;
}

bool ValueEditor::setMode(Mode mode, QString *error)
{
    if (mode == m_mode)
        return true;
    const ValueCodec::Decoded current = value();
    QString message;
    QString text;
    if (!current.ok()) {
        message = tr("Cannot show the value as %1: %2")
                      .arg(ValueCodec::modeName(mode), current.error.toString());
    } else if (ValueCodec::Error e = ValueCodec::encode(mode, current.bytes, &text)) {
        message =
            tr("Cannot show the value as %1: %2").arg(ValueCodec::modeName(mode), e.toString());
    }
    if (!message.isEmpty()) {
        showMessage(message);
        selectModeInBox();
        if (error)
            *error = message;
        return false;
    }
    m_mode = mode;
    setLineEndingFrom(current.bytes);
    selectModeInBox();
    showText(text);
    showMessage({});
    // The bytes are unchanged by a mode switch: an unmodified value stays unmodified.
    m_settingText = true;
    m_edit->document()->setModified(m_modified);
    m_settingText = false;
    Q_EMIT modeChanged(m_mode);
    return true;
}

void ValueEditor::markSaved(const QByteArray &saved)
{
    m_original = saved;
    setLineEndingFrom(saved);
    m_settingText = true;
    m_edit->document()->setModified(false);
    m_settingText = false;
    setModified(false);
    showMessage({});
}

void ValueEditor::setReadOnly(bool readOnly)
{
    m_readOnly = readOnly;
    m_edit->setReadOnly(readOnly);
}

QString ValueEditor::message() const
{
    return m_message->text();
}

void ValueEditor::showMessage(const QString &message)
{
    m_message->setText(message);
    m_message->setVisible(!message.isEmpty());
}

bool ValueEditor::isHighlighting() const
{
    return m_highlighter->document() != nullptr;
}

void ValueEditor::showText(const QString &text)
{
    m_settingText = true;
    // Detach the highlighter first: attached, it would colour every block of a large text on
    // the GUI thread. The undo history of a replaced text is of no use; setPlainText() drops
    // it in one step rather than recording a 1 MiB removal.
    m_highlighter->setDocument(nullptr);
    m_edit->setUndoRedoEnabled(false);
    // Very long lines are laid out slowly when wrapped; hex and base64 are already in lines.
    m_edit->setPlainText(text);
    m_edit->setUndoRedoEnabled(true);
    m_edit->document()->setModified(false);
    m_settingText = false;
    updateHighlighter();
}

void ValueEditor::updateHighlighter()
{
    const bool wanted =
        m_mode == Mode::Json && m_edit->document()->characterCount() <= highlightLimit;
    if (wanted != isHighlighting())
        m_highlighter->setDocument(wanted ? m_edit->document() : nullptr);
}

void ValueEditor::setModified(bool modified)
{
    if (m_modified == modified)
        return;
    m_modified = modified;
    Q_EMIT modificationChanged(modified);
}

void ValueEditor::onModeActivated(int index)
{
    const auto mode = Mode(m_modeBox->itemData(index).toInt());
    if (setMode(mode))
        m_preferred = mode;
}

void ValueEditor::selectModeInBox()
{
    const QSignalBlocker blocker(m_modeBox);
    m_modeBox->setCurrentIndex(m_modeBox->findData(int(m_mode)));
}
