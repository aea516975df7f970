// Opendatasoft's own JavaScript client (@opendatasoft/api-client, pinned in package.json),
// used as its README shows, against a Territoria server. Reads one JSON object on stdin,
//   {"domain": "http://127.0.0.1:PORT", "params": {...}, "calls": ["name", ...]}
// runs the named calls of CALLS below (every one when "calls" is missing) and prints one
// JSON line per call: {"name", "url", "ok": true, "result"} or {"name", "url", "ok": false,
// "error": {"class", "status", "details", "message"}} ("class": the README's error class, or
// the JavaScript error's). tests/opendata/test_clients.py checks each answer against the
// database.
//
// The README imports named exports (`import { ApiClient, … } from '@opendatasoft/api-client'`),
// which bundlers resolve to the package's ES build ("module"). Node itself loads the package's
// "main", a UMD bundle, whose exports it can only hand over as the default export: the same
// objects, destructured below.
import apiClient from '@opendatasoft/api-client';

const {
    ApiClient,
    fromCatalog,
    field,
    string,
    date,
    dateTime,
    all,
    one,
    list,
    not,
    textSearch,
    textStartWith,
    textSuggest,
    exactMatch,
    AuthenticationError,
    NotFoundError,
    ServerError,
    UserError,
} = apiClient;

// The bundle is minified (`error.constructor.name` is a single letter): the README's error
// classes, most specific first.
const ERROR_CLASSES = { NotFoundError, AuthenticationError, UserError, ServerError };

function className(error) {
    const known = Object.entries(ERROR_CLASSES).find(([, type]) => error instanceof type);
    return known ? known[0] : error.constructor.name; // SyntaxError, TypeError…
}

// A request whose answer is read as text (a CSV or RDF export), through the client's own
// `interceptResponse` option: `get` otherwise parses every successful answer as JSON.
const asText = (query) => ({
    query,
    options: {
        interceptResponse: async (response) => ({
            status: response.status,
            contentType: response.headers.get('content-type'),
            text: await response.text(),
        }),
    },
});

// name → (params) → a query (or a path, as the README's `client.get('catalog/datasets?limit=10')`).
const CALLS = {
    // --- the catalogue ----------------------------------------------------------------
    catalog_itself: () => fromCatalog().itself(),
    catalog_datasets: () => fromCatalog().datasets().limit(100),
    catalog_select: () => fromCatalog().datasets().select('dataset_id, records_count').limit(100),
    catalog_where: (p) =>
        fromCatalog()
            .datasets()
            .where(`records_count >= ${p.catalog_threshold}`)
            .limit(100),
    catalog_order_limit_offset: () =>
        fromCatalog().datasets().orderBy('dataset_id desc').limit(3).offset(2),
    catalog_refine_theme: (p) =>
        fromCatalog().datasets().refine(`theme:${p.theme_label}`).limit(100),
    catalog_facets: () => fromCatalog().facets(),
    catalog_export_json: () => fromCatalog().export('json'),
    catalog_export_csv: () => asText(fromCatalog().export('csv')),
    catalog_export_rdf: () => asText(fromCatalog().export('rdf')),
    catalog_exports_list: () => 'catalog/exports',

    // --- one dataset --------------------------------------------------------------------
    dataset_itself: () => fromCatalog().dataset('organisations').itself(),
    dataset_itself_en: () => fromCatalog().dataset('calls').itself().lang('en'),
    dataset_facets: () => fromCatalog().dataset('organisations').facets(),
    dataset_facet_refined: (p) =>
        fromCatalog()
            .dataset('organisations')
            .facets()
            .facet('legal_form')
            .refine(`city:${p.city}`),
    dataset_facet_en: () =>
        fromCatalog()
            .dataset('calls')
            .facets()
            .facet('seat_required_in')
            .facet('eligible_types')
            .lang('en'),
    dataset_exports_list: () => 'catalog/datasets/calls/exports',
    dataset_export_json: (p) =>
        fromCatalog()
            .dataset('calls')
            .export('json')
            .select('code, year')
            .where(exactMatch('instrument_code', p.instrument_code)),
    dataset_export_csv: () => fromCatalog().dataset('calls').export('csv'),
    dataset_export_csv_text: () => asText(fromCatalog().dataset('calls').export('csv')),
    record: (p) => fromCatalog().dataset('organisations').record(String(p.record_id)),
    record_unknown: (p) => fromCatalog().dataset('organisations').record(String(p.missing_id)),

    // --- records ------------------------------------------------------------------------
    records: () => fromCatalog().dataset('organisations').records(),
    records_field_value: (p) =>
        fromCatalog()
            .dataset('organisations')
            .records()
            .select(list('name', 'city'))
            .where(`city:'${p.city}'`)
            .limit(100),
    records_escaped_string: (p) =>
        fromCatalog()
            .dataset('organisations')
            .records()
            .select('name')
            .select((previous) => list(previous, field('legal_form')))
            .where(`${field('legal_form')} = ${string(p.quoted_legal_form)}`)
            .limit(100),
    records_date: (p) =>
        fromCatalog()
            .dataset('organisations')
            .records()
            .select('id, founded_on')
            .where(`${field('founded_on')} >= ${date(p.founded_from)}`)
            .limit(100),
    records_datetime: (p) =>
        fromCatalog()
            .dataset('calls')
            .records()
            .select('code, opens_at')
            .where(`${field('opens_at')} < ${dateTime(new Date(p.opens_before))}`)
            .limit(100),
    records_all_one_not: (p) =>
        fromCatalog()
            .dataset('organisations')
            .records()
            .select('id')
            .where(
                all(
                    one(`city = ${string(p.city)}`, `city = ${string(p.other_city)}`),
                    not(`legal_form = ${string(p.legal_form)}`)
                )
            )
            .limit(100),
    records_aggregate: () =>
        fromCatalog().dataset('calls').records().select('count(*) as n, avg(budget) as mean'),
    records_group_by: () =>
        fromCatalog()
            .dataset('calls')
            .records()
            .select('count(*) as n, sum(budget) as total')
            .groupBy('instrument_code')
            .limit(100),
    // The README's "Get started" query: group keys with labels, no select, `-field` order.
    records_group_by_labels: () =>
        fromCatalog()
            .dataset('calls')
            .records()
            .where('year >= 2021')
            .groupBy('instrument_code as instrument, year')
            .orderBy('-year')
            .limit(100),
    records_order_desc: () =>
        fromCatalog()
            .dataset('organisations')
            .records()
            .select('founded_on')
            .where('founded_on is not null')
            .orderBy('-founded_on')
            .limit(5),
    records_limit_offset: () =>
        fromCatalog()
            .dataset('organisations')
            .records()
            .select('id')
            .orderBy('id desc')
            .limit(3)
            .limit((current) => current + 2)
            .offset(3),
    records_refine_exclude: (p) =>
        fromCatalog()
            .dataset('organisations')
            .records()
            .select('id')
            .refine(`city:${p.city}`)
            .exclude(`legal_form:${p.legal_form}`)
            .limit(100),
    records_refine_multivalued: (p) =>
        fromCatalog()
            .dataset('organisations')
            .records()
            .select('id, technology')
            .refine(`technology:${p.technology}`)
            .limit(100),
    records_lang_en: () =>
        fromCatalog()
            .dataset('calls')
            .records()
            .select('code, seat_required_in, eligible_types')
            .lang('en')
            .limit(100),
    records_timezone: () =>
        fromCatalog()
            .dataset('calls')
            .records()
            .select('code, opens_at')
            .timezone('Europe/Brussels')
            .limit(100),

    // --- the text helpers ---------------------------------------------------------------
    text_search: (p) =>
        fromCatalog()
            .dataset('organisations')
            .records()
            .select('id')
            .where(textSearch(p.search))
            .limit(100),
    text_search_field: (p) =>
        fromCatalog()
            .dataset('organisations')
            .records()
            .select('id')
            .where(textSearch(p.city, ['city']))
            .limit(100),
    text_start_with: (p) =>
        fromCatalog()
            .dataset('organisations')
            .records()
            .select('name')
            .where(textStartWith(p.start, ['name']))
            .limit(100),
    text_start_with_any_field: (p) =>
        fromCatalog()
            .dataset('organisations')
            .records()
            .where(textStartWith(p.start))
            .limit(100),
    text_suggest: (p) =>
        fromCatalog()
            .dataset('organisations')
            .records()
            .select('name')
            .where(textSuggest(p.suggest, ['name']))
            .limit(100),
    text_suggest_any_field: (p) =>
        fromCatalog()
            .dataset('organisations')
            .records()
            .where(textSuggest(p.suggest))
            .limit(100),
    exact_match: (p) =>
        fromCatalog()
            .dataset('organisations')
            .records()
            .select('id')
            .where(exactMatch('city', p.city))
            .limit(100),

    // --- errors -------------------------------------------------------------------------
    unknown_dataset: () => fromCatalog().dataset('no-such-dataset').records(),
    bad_where: () => fromCatalog().dataset('organisations').records().where('city = = 1'),
    unknown_field: () => fromCatalog().dataset('organisations').records().select('no_such_field'),
};

async function run(client, base, name, params) {
    const built = CALLS[name](params);
    const { query, options } =
        typeof built === 'object' && 'query' in built ? built : { query: built };
    // The address `get` requests: the same steps as the client's (a relative path on the
    // base address, its parameters sorted).
    const url = new URL(String(query), base);
    url.searchParams.sort();
    try {
        const result = await client.get(query, options);
        return { name, url: url.toString(), ok: true, result };
    } catch (error) {
        const response = error.response;
        return {
            name,
            url: response?.url || url.toString(),
            ok: false,
            error: {
                class: className(error),
                status: response?.status ?? null,
                details: error.details ?? null,
                message: String(error.message).slice(0, 2000),
            },
        };
    }
}

async function main() {
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    const { domain, params = {}, calls = Object.keys(CALLS) } = JSON.parse(input);
    const client = new ApiClient({ domain, hideDeprecatedWarning: true });
    const base = `${domain.replace(/\/$/, '')}/api/explore/v2.1/`;
    const unknown = calls.filter((name) => !(name in CALLS));
    if (unknown.length) throw new Error(`unknown calls: ${unknown.join(', ')}`);
    // A few at a time: the server has a couple of workers.
    const pending = [...calls];
    const workers = Array.from({ length: 4 }, async () => {
        while (pending.length) {
            const name = pending.shift();
            process.stdout.write(`${JSON.stringify(await run(client, base, name, params))}\n`);
        }
    });
    await Promise.all(workers);
}

main().catch((error) => {
    process.stderr.write(`${error.stack || error}\n`);
    process.exit(1);
});
