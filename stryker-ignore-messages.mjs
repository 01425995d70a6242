// A Stryker ignorer: mutants in message text are not tested for, since a changed message is not a
// changed behaviour. It ignores exactly these nodes, and nothing else:
// - a string or template literal that is the first argument of `new …Error(…)` (the message);
// - `dev ? … : …`, the development build's explanations (src/core/dev.ts);
// - the arguments of a `console.*` or logger call (`log.debug(…)`, `this.log(…)`).
// Everything else, strings that are behaviour included (frame prefixes, close reasons sent on the
// wire, option names), is mutated.
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

const isText = (node) => node.type === 'StringLiteral' || node.type === 'TemplateLiteral';
const named = (callee, pattern) =>
  (callee.type === 'Identifier' && pattern.test(callee.name)) ||
  (callee.type === 'MemberExpression' && callee.property.type === 'Identifier' && pattern.test(callee.property.name));

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'message-text', {
    shouldIgnore(path) {
      const { node, parent } = path;
      if (node.type === 'ConditionalExpression' && node.test.type === 'Identifier' && node.test.name === 'dev') {
        return "the development build's message text";
      }
      if (
        isText(node) &&
        parent?.type === 'NewExpression' &&
        parent.arguments[0] === node &&
        named(parent.callee, /Error$/)
      ) {
        return 'an error message';
      }
      if (
        node.type === 'CallExpression' &&
        ((node.callee.type === 'MemberExpression' &&
          node.callee.object.type === 'Identifier' &&
          node.callee.object.name === 'console') ||
          named(node.callee, /^(log|debug|warn)$/))
      ) {
        return 'a log line';
      }
      return undefined;
    },
  }),
];
