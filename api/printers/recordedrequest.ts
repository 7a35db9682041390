// Table printing for kubemock.dev/v1alpha1 RecordedRequest.
import type { TablePrinter } from '../types.js';
import { recordedOf } from '../kinds/recordedrequest.js';
import { prefixFromUserAgent } from '../managed-fields.js';
import { ageCell, ageColumn, column, nameColumn } from './columns.js';

/** RecordedRequest table: Name, Verb, Resource, Namespace, Object, Code, Latency, Client, Age; wide: URI, User-Agent. */
export const recordedRequestTable: TablePrinter = {
  columns: [
    nameColumn,
    column('Verb', 'string', 'The API verb, or the HTTP method off the resource paths.'),
    column('Resource', 'string', 'resource[.group][/subresource], or the path of a non-resource request.'),
    column('Namespace', 'string', 'The namespace of the request, if any.'),
    column('Object', 'string', 'The object name of the request, if any.'),
    column('Code', 'string', 'The response status code (empty while the request is in flight).'),
    column('Latency', 'string', 'Time to the end of the response.'),
    column('Client', 'string', 'The User-Agent up to its first slash.'),
    ageColumn,
    column('URI', 'string', 'The request URI.', 1),
    column('User-Agent', 'string', 'The whole User-Agent header.', 1),
  ],
  cells(obj, now) {
    const r = recordedOf(obj);
    const ref = r.objectRef;
    const resource = ref ? `${ref.resource}${ref.apiGroup ? `.${ref.apiGroup}` : ''}${ref.subresource ? `/${ref.subresource}` : ''}` : (r.requestURI ?? '').split('?')[0]!;
    return [
      obj.metadata.name ?? '',
      r.verb ?? '',
      resource,
      ref?.namespace ?? '',
      ref?.name ?? '',
      r.responseStatus ? String(r.responseStatus.code) : '',
      r.latencyMs !== undefined ? `${r.latencyMs}ms` : '',
      prefixFromUserAgent(r.userAgent),
      ageCell(obj, now),
      r.requestURI ?? '',
      r.userAgent ?? '',
    ];
  },
};
