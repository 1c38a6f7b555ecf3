"""Fixed text material of the boilerplate corpus (eval/bp_corpus.py): who the departments are, how a seed's names are
swapped for another department's, the generic sentences (BP-004) and the legitimately standard text (名词解释, table
notes, form notes, template instructions) that every report shares and no rule may flag.

Everything here is quoted from the seeds (../shared/seeds) or the national/Shanghai templates, except the handful of
generic sentences marked "written", which follow the stock phrasing of the seeds' 存在的问题/下一步 sections.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dept:
    key: str
    department: str
    short: str  # the department as a text names it when it does not repeat the full name
    place: str
    stem: str
    region: str
    years: tuple[int, ...]
    source: str | None = None  # the seed it is read from (real departments); None: invented
    finance: bool = False  # a 决算公开 narrative (Shanghai/Shanxi style) rather than a 自评 report


# The seeds' own departments (their gold records are the base year) and invented ones recombined from the pool.
DEPTS: tuple[Dept, ...] = (
    Dept("xishan", "昆明市西山区人民政府办公室", "西山区人民政府办公室", "西山区", "西山", "云南省昆明市西山区",
         (2022, 2023, 2024), "s0"),
    Dept("wuhua", "昆明市五华区政务服务管理局", "五华区政务服务管理局", "五华区", "五华", "云南省昆明市五华区",
         (2022, 2023), "s1"),
    Dept("qujing", "曲靖市人民政府办公室", "曲靖市政府办公室", "曲靖市", "曲靖", "云南省曲靖市", (2022, 2023, 2024), "s2"),
    Dept("xundian", "寻甸回族彝族自治县人民政府办公室", "寻甸县人民政府办公室", "寻甸县", "寻甸",
         "云南省昆明市寻甸回族彝族自治县", (2021, 2022, 2023), "s3"),
    Dept("datong", "大同市人民政府办公室", "大同市政府办公室", "大同市", "大同", "山西省大同市", (2022, 2023, 2024), "s4",
         finance=True),
    Dept("putuo", "上海市普陀区财政局", "普陀区财政局", "普陀区", "普陀", "上海市普陀区", (2022, 2023, 2024), "pt",
         finance=True),
    Dept("panlong", "昆明市盘龙区人民政府办公室", "盘龙区人民政府办公室", "盘龙区", "盘龙", "云南省昆明市盘龙区",
         (2022, 2023, 2024)),
    Dept("xuanwei", "宣威市人民政府办公室", "宣威市政府办公室", "宣威市", "宣威", "云南省曲靖市宣威市", (2022, 2023, 2024)),
    Dept("songming", "嵩明县人民政府办公室", "嵩明县政府办公室", "嵩明县", "嵩明", "云南省昆明市嵩明县", (2022, 2023, 2024)),
    Dept("luquan", "禄劝彝族苗族自治县人民政府办公室", "禄劝县人民政府办公室", "禄劝县", "禄劝",
         "云南省昆明市禄劝彝族苗族自治县", (2022, 2023, 2024)),
    Dept("guandu", "昆明市官渡区政务服务管理局", "官渡区政务服务管理局", "官渡区", "官渡", "云南省昆明市官渡区",
         (2022, 2023, 2024)),
    Dept("shuozhou", "朔州市人民政府办公室", "朔州市政府办公室", "朔州市", "朔州", "山西省朔州市", (2022, 2023, 2024),
         finance=True),
    Dept("jincheng", "晋城市人民政府办公室", "晋城市政府办公室", "晋城市", "晋城", "山西省晋城市", (2022, 2023, 2024),
         finance=True),
    Dept("changning", "上海市长宁区财政局", "长宁区财政局", "长宁区", "长宁", "上海市长宁区", (2022, 2023, 2024),
         finance=True),
)

# How each seed names its department, longest first: replaced by the target department's own names when a seed text
# is placed in another department's report (a copy keeps the wording and changes the names, as copies do).
SEED_NAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "s0": (("昆明市西山区人民政府办公室", "department"), ("西山区人民政府办公室", "short"), ("昆明市西山区", "place"),
           ("西山区", "place"), ("西山", "stem")),
    "s1": (("昆明市五华区政务服务管理局", "department"), ("五华区政务服务管理局", "short"), ("五华区", "place"),
           ("五华", "stem")),
    "s2": (("曲靖市人民政府办公室", "department"), ("曲靖市政府办公室", "short"), ("曲靖市", "place"), ("曲靖", "stem")),
    "s3": (("寻甸回族彝族自治县人民政府办公室", "department"), ("寻甸县人民政府办公室", "short"), ("寻甸县", "place"),
           ("寻甸", "stem")),
    "s4": (("大同市人民政府办公室", "department"), ("大同市政府办公室", "short"), ("大同市", "place"), ("大同", "stem")),
    "pt": (("上海市普陀区财政局", "department"), ("普陀区财政局", "short"), ("普陀区", "place"), ("普陀", "stem")),
}

# -- BP-004: generic text with nothing measurable ----------------------------------------------------------------
# (id, text, where it comes from). Each recurs in >= 3 departments' reports except the last, which appears once: a
# generic sentence that does not recur is not boilerplate (labelled negative).
GENERIC: tuple[tuple[str, str, str], ...] = (
    ("G1", "加强项目管理，提高资金使用效益，确保项目顺利实施。", "written (the issue's example)"),
    ("G2", "进一步加强预算绩效管理，强化绩效目标约束，切实提高财政资金使用效益。", "written"),
    ("G3", "严格按照预算执行，规范资金使用，不断提高资金管理水平。", "written"),
    ("G4", "注重绩效自评结果应用，对照绩效评价工作中发现的问题提出整改意见，进一步完善预算管理机制，增强支出责任，"
           "规范资金使用，强化资金管理水平，提升资金使用效率。", "seed 000 五、绩效自评结果应用情况"),
    ("G5", "根据项目实施进度及时拨付资金，尽可能减少资金拨付环节和资金拨付时间，避免资金闲置、截留，提高资金使用效率，"
           "避免造成财政资源浪费。", "seed 001 2、财政管理措施"),
    ("G6", "下一步将继续加强绩效管理，不断完善内部管理制度，确保各项工作有序推进。", "written"),
    ("G7", "今后将持续加强学习，提升业务能力，推动各项工作再上新台阶。", "written; placed once (negative)"),
)

# -- Legitimately standard text -----------------------------------------------------------------------------------
# 名词解释 as the national template words it (seed 004, 大同), one definition a paragraph.
MINGCI_NATIONAL = (
    "一、财政拨款收入：指单位从同级财政部门取得的财政预算资金。",
    "二、事业收入：指事业单位开展专业业务活动及辅助活动取得的收入。",
    "三、经营收入：指事业单位在专业业务活动及其辅助活动之外开展非独立核算经营活动取得的收入。",
    "四、其他收入：指单位取得的除上述收入以外的各项收入。主要是事业单位固定资产出租收入、存款利息收入等。",
    "五、使用非财政拨款结余（含专用结余）：指单位按照预算管理要求使用非财政拨款结余弥补收支差额的金额，以及使用专用结余"
    "安排支出的金额。",
    "六、年初结转和结余：指单位以前年度尚未完成、结转到本年仍按原规定用途继续使用的资金，或项目已完成等产生的结余资金。",
    "七、结余分配：指事业单位按照会计制度规定缴纳的所得税、提取的专用结余以及转入非财政拨款结余的金额等。",
    "八、年末结转和结余：指单位按有关规定结转到下年或以后年度继续使用的资金，或项目已完成等产生的结余资金。",
    "九、基本支出：指为保障机构正常运转、完成日常工作任务而发生的人员支出和公用经费支出。",
    "十、项目支出：指在基本支出之外为完成特定行政任务和事业发展目标所发生的支出。",
    "十一、“三公”经费：指各级部门、单位用财政拨款安排的因公出国（境）费、公务用车购置及运行维护费和公务接待费支出。",
    "十二、机关运行经费：指行政单位和参照公务员法管理的事业单位财政拨款基本支出中的公用经费支出。",
)
# 名词解释 as the Shanghai template words it (上海市普陀区财政局2024年度部门决算.pdf, 第四部分).
MINGCI_SHANGHAI = (
    "一、财政拨款收入：指单位本年度从本级财政部门取得的财政拨款，包括一般公共预算财政拨款、政府性基金预算财政拨款和国有"
    "资本经营预算财政拨款。",
    "二、事业收入：指事业单位开展专业业务活动及辅助活动所取得的收入。",
    "三、经营收入：指事业单位在专业业务活动及其辅助活动之外开展非独立核算经营活动取得的收入。",
    "四、其他收入：指除上述“财政拨款收入”“事业收入”“经营收入”等以外的收入。",
    "五、年初结转和结余：指以前年度尚未完成、结转到本年按有关规定继续使用的资金。",
    "六、年末结转和结余：指本年度或以前年度预算安排、因客观条件发生变化无法按原计划实施，需延迟到以后年度按有关规定继续"
    "使用的资金。",
    "七、基本支出：指单位为保障机构正常运转、完成日常工作任务而发生的各项支出。",
    "八、项目支出：指单位为完成特定的行政工作任务或事业发展目标，在基本支出之外发生的各项支出。",
    "九、经营支出：指事业单位在专业活动及辅助活动之外开展非独立核算经营活动发生的支出。",
    "十、“三公”经费：指单位使用本级财政拨款安排的因公出国（境）费、公务用车购置及运行维护费和公务接待费。其中：因公出国"
    "（境）费反映单位参加国际合作交流、重大项目洽谈、境外培训研修等的国际旅费、国外城市间交通费、住宿费、伙食费、培训费、"
    "公杂费等支出；公务接待费反映全国性专业会议、国家重大政策调研、专项检查以及外事团组接待交流等执行公务或开展业务所需住"
    "宿费、交通费、伙食费等支出；公务用车购置及运行维护费反映编制内公务车辆的报废更新，以及用于安排市内因公出差、公务文件"
    "交换、日常工作开展等所需公务用车燃料费、维修费、过路过桥费、保险费等支出。",
    "十一、机关运行经费：指行政单位和参照公务员法管理的事业单位使用一般公共预算财政拨款安排的基本支出中的日常公用经费"
    "支出。",
)
# Notes printed under the 公开表 (seed 002, 曲靖), one section each: (table title, note).
TABLE_NOTES = (
    ("收入支出决算总表", "注：本表反映本年度的总收支和年初、年末结转结余情况。"),
    ("收入决算表", "注：本表反映本年度取得的各项收入情况。"),
    ("支出决算表", "注：本表反映本年度各项支出情况。"),
    ("财政拨款收入支出决算总表",
     "注：本表反映本年度一般公共预算财政拨款、政府性基金预算财政拨款和国有资本经营预算的总收支和年初、年末结转结余情况。"),
    ("一般公共预算财政拨款“三公”经费支出决算表",
     "注：本表所列“三公”经费为单位使用一般公共预算财政拨款安排的支出，包括当年一般公共预算财政拨款和以前年度一般公共预算"
     "财政拨款结转结余资金安排的实际支出。“三公”经费相关统计数是指使用一般公共预算财政拨款负担费用的相关批次、人次及车辆"
     "情况。"),
)
# Notes printed under the self-evaluation forms: Yunnan (seeds 000/002) and Shanxi (seed 004, OCR noise removed).
FORM_NOTE_YUNNAN = (
    "备注：1.资金来源包括年初预算和调整预算。“预算调整数”栏调增为“+”，调减为“-”；",
    "2.一级指标包含产出指标、效益指标、满意度指标，二级指标和三级指标根据实际情况设置。",
)
FORM_NOTE_PROJECT_YUNNAN = (
    "备注：1.一级指标包含产出指标、效益指标、满意度指标，二级指标和三级指标根据项目实际情况设置；",
    "2.当年财政拨款指一般公共预算、国有资本经营预算、政府性基金预算安排的资金；",
    "3.上年结转资金指上一年一般公共预算、国有资本经营预算、政府性基金预算安排的结转资金；",
    "4.非财政拨款含财政专户管理资金和单位资金等；",
    "5.全年预算数=年初预算数+调整预算（年度新增项目）",
)
FORM_NOTE_SHANXI = (
    "备注：1.“年初预算数”项下的“目标申报数”和“预算编制数”为并列关系，其中“目标申报数”的数据来源于项目目标申报表中的项目"
    "资金总额表中的年度资金，“预算编制数”数据来源于项目预算支出明细表。",
    "2.“全年预算数”的取数规则，如果年初预算未调整，取预算编制数；如果有调整，取调整后的预算数。",
    "3.“全年执行数”是指预算执行指标确认数。",
    "4.“执行率”是执行数与“全年预算数”相比较。",
)
# Fill-in instructions of the Shanghai 部门决算 template (附件2：部门决算模板.pdf), left in a report by a hurried
# writer. Standard text by the definition; the rules must not call it a copy.
TEMPLATE_INSTRUCTIONS = (
    "由主管部门根据三定方案等相关规定中有关主要职能填写。",
    "按上述格式依次说明到各项级科目，预决算持平的不用说明变动原因。",
    "无政府性基金预算财政拨款收入支出的，仍保留该表格式，并在本表下方作下述说明：",
)
SECRECY_NOTE = "备注：涉密部门和涉密信息按保密规定不公开。"
# Sentences the templates prescribe inside otherwise ordinary sections (regular expressions on the sentence): the
# statement for an empty table and the 经济分类 item list under 人员经费/公用经费. Standard, not counted as copied.
STANDARD_SENTENCES = (
    r"无(?:政府性基金预算|国有资本经营预算)财政拨款收入和支出",
    r"本年度无此项(?:收支|支出|资金)",
    r"(?:人员经费|公用经费).{0,30}主要包括",
)

# Section headings whose text the department quotes from its 三定方案 (mandate, organisation): the same every year
# by right, so standard (checks/data/standard_text.yaml says the same).
MANDATE_HEADINGS = ("部门概况", "单位概况", "部门职能", "主要职能", "机构设置", "职能职责", "主要职责")

# The Shanghai 部门决算 情况说明 (普陀, and 长宁 made from it) is the template filled in: its sentences are the template's
# wording around the department's figures, except those where the department writes its own words into a slot —
# the reasons and uses. Only those count as the department's text (a year that refills the figures and keeps the
# reasons copied them; the template's wording is standard).
SHANGHAI_OWN_WORDS = ("主要原因", "主要用于", "本部门制定了")
# Reasons a Shanghai department writes in a year that does not keep last year's (handwritten, in the style of 普陀's).
SHANGHAI_REASONS = (
    "主要原因：本年度信息系统运维合同续签后服务范围调整，相关支出相应减少。",
    "主要原因：年中新增财政监督检查专项工作，委托业务费相应增加。",
    "主要原因：按照过紧日子要求从严控制一般性支出，会议费、差旅费有所下降。",
    "主要原因：年内完成两项财政专项课题研究，委托业务费较上年增加。",
    "主要用于：财政投资评审中心委托评审及工程造价审核等支出。",
    "主要原因：预算绩效评价范围扩大，第三方评价服务采购相应增加。",
    "主要原因：财政数字化转型项目进入实施阶段，信息化建设支出增加。",
    "主要用于：委托第三方机构开展预算评审及重点项目绩效评价。",
    "主要原因：部分项目按合同约定分期支付，尾款将于下一年度支付。",
    "主要原因：公务用车全部纳入区级平台统一保障，本单位无相关支出。",
    "主要原因：年度预算执行中严格执行进度管理，资金支付与预算基本一致。",
    "主要用于：区级财政票据电子化改革及票据管理系统运维。",
)
# Reasons written for 长宁 (invented): its final-accounts narrative is 普陀's template filled with its own figures and
# its own reasons (not copies), except where it copies 普陀's reason word for word (a labelled BP-001 copy).
CHANGNING_REASONS = (
    "主要原因：本年度信息化系统升级改造项目完成验收，相关运维支出相应减少。",
    "主要原因：年中划入区国库收付中心人员，人员经费相应增加。",
    "主要原因：区级财政一体化系统上线后，相关软件维护费用减少。",
    "主要原因：上年度一次性安排的办公用房修缮项目本年度未再安排。",
)
